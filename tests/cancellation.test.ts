/**
 * cancelGeneration end to end: a queued generation loses its job and never runs, a running one
 * is aborted through its generator's signal (from the same process via the event bus, from
 * another process via the status poll) and leaves nothing stored, finished generations cannot be
 * cancelled, and the permission matrix holds.
 *
 * The suite has a database of its own, so no worker of another suite takes its jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import {
  expectConsistentLifecycle,
  faultWorkspace,
  filesUnder,
  generationRow,
  jobsByKey,
  jobsOf,
  pollUntil,
  recordEvents,
  submit,
  submitFlaky,
  suiteDatabase,
  waitForStatus,
  type FaultWorkspace,
} from "./helpers/faultHarness.js";
import { boardWithEveryRole, createBoard, type Caller } from "./helpers/taggingFixtures.js";
import { localStorageDir } from "./helpers/launch.js";
import { startServer, type TestServer } from "./helpers/server.js";

const CANCEL = `mutation($id: UUID!) {
  cancelGeneration(id: $id) { id status progress errorMessage startedAt completedAt storageUrl }
}`;

type Cancelled = {
  id: string;
  status: string;
  progress: number;
  errorMessage: string | null;
  startedAt: string | null;
  completedAt: string | null;
  storageUrl: string | null;
};

const cancel = (caller: Caller, id: string) => caller.gql<{ cancelGeneration: Cancelled }>(CANCEL, { id });

const conflictMessage = (status: string) =>
  `Cannot cancel generation with status '${status}'. Only pending or processing generations can be cancelled.`;

let database: ThrowawayDatabase;
let workspace: FaultWorkspace;
/** API without a worker: what is submitted here stays queued. */
let api: TestServer;

beforeAll(async () => {
  database = await suiteDatabase("cancellation");
  workspace = await faultWorkspace();
  api = await startServer(serverEnv());
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
  await workspace?.dispose();
});

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { BOARDS_DATABASE_URL: database.url, BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath, ...extra };
}

describe("cancel permissions (queued generations)", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let admin: Actor;
  let editor: Actor;
  let viewer: Actor;
  let stranger: Actor;
  let outsider: Actor;
  let boardId: string;

  beforeAll(async () => {
    ({ tenant, owner, admin, editor, viewer, stranger, boardId } = await boardWithEveryRole(api, "Cancel permissions"));
    outsider = await (await newTenant(api)).user("owner");
  });

  async function expectUntouched(id: string) {
    const row = await generationRow(api, id);
    expect({ status: row.status, errorMessage: row.errorMessage, completedAt: row.completedAt }).toEqual({
      status: "PENDING",
      errorMessage: null,
      completedAt: null,
    });
    expect(await jobsByKey(api.pool, id)).toBe(1);
  }

  it("refuses viewers, and editors and admins on generations of others (FORBIDDEN); nothing changes", async () => {
    const byOwner = await submitFlaky(owner, boardId, {});
    const byEditor = await submitFlaky(editor, boardId, {});
    const byAdmin = await submitFlaky(admin, boardId, {});
    const denied = "Permission denied: only board owner or generation creator can cancel";
    expectError(await cancel(viewer, byOwner.id), "FORBIDDEN", denied);
    expectError(await cancel(viewer, byEditor.id), "FORBIDDEN", denied);
    expectError(await cancel(editor, byOwner.id), "FORBIDDEN", denied);
    expectError(await cancel(editor, byAdmin.id), "FORBIDDEN", denied);
    expectError(await cancel(admin, byOwner.id), "FORBIDDEN", denied);
    expectError(await cancel(admin, byEditor.id), "FORBIDDEN", denied);
    for (const g of [byOwner, byEditor, byAdmin]) await expectUntouched(g.id);
  });

  it("hides the generation from another tenant and from non-members (NOT_FOUND), refuses anonymous callers (UNAUTHENTICATED)", async () => {
    const g = await submitFlaky(owner, boardId, {});
    expectError(await cancel(outsider, g.id), "NOT_FOUND", "Generation not found");
    // The outsider's token addressed to this tenant is a different (new) user of this tenant.
    expectError(await outsider.gql(CANCEL, { id: g.id }, { tenant: tenant.slug }), "NOT_FOUND", "Generation not found");
    expectError(await cancel(stranger, g.id), "NOT_FOUND", "Generation not found");
    expectError(await cancel(tenant.anonymous, g.id), "UNAUTHENTICATED", "Authentication required to cancel a generation");
    expectError(await cancel(owner, "00000000-0000-4000-8000-000000000000"), "NOT_FOUND", "Generation not found");
    await expectUntouched(g.id);
  });

  it("lets the board owner cancel any generation, and editors and admins their own", async () => {
    const byEditor = await submitFlaky(editor, boardId, {});
    const byAdmin = await submitFlaky(admin, boardId, {});
    const byEditor2 = await submitFlaky(editor, boardId, {});
    const byAdmin2 = await submitFlaky(admin, boardId, {});
    for (const [actor, g] of [
      [owner, byEditor],
      [owner, byAdmin],
      [editor, byEditor2],
      [admin, byAdmin2],
    ] as const) {
      const result = expectData(await cancel(actor, g.id)).cancelGeneration;
      expect(result).toMatchObject({ id: g.id, status: "CANCELLED", errorMessage: "Cancelled by user" });
      expect(result.completedAt).not.toBeNull();
      expect(await jobsByKey(api.pool, g.id)).toBe(0);
    }
  });
});

describe("cancelling a queued generation", () => {
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    owner = await (await newTenant(api)).user("owner");
    boardId = await createBoard(owner, { title: "Queued" });
  });

  it("cancels it at once and removes its job; a worker started later never runs it", async () => {
    const queued = await submitFlaky(owner, boardId, {});
    expect(await jobsByKey(api.pool, queued.id)).toBe(1);

    const before = Date.now();
    const result = expectData(await cancel(owner, queued.id)).cancelGeneration;
    expect(result).toMatchObject({ id: queued.id, status: "CANCELLED", errorMessage: "Cancelled by user", startedAt: null, storageUrl: null });
    expect(result.completedAt).not.toBeNull();
    expect(new Date(result.completedAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);

    const cancelledRow = await generationRow(api, queued.id);
    expect(cancelledRow).toMatchObject({ status: "CANCELLED", errorMessage: "Cancelled by user", startedAt: null, progress: 0 });
    expect(cancelledRow.completedAt).not.toBeNull();
    expect(await jobsByKey(api.pool, queued.id)).toBe(0);
    expect(await jobsOf(api.pool, queued.id)).toEqual([]);

    // A worker comes up: it runs a later generation but never the cancelled one.
    const worker = await startServer(serverEnv(), { worker: true });
    try {
      const seen = await recordEvents(worker.runtime.events, queued.id);
      const control = await submitFlaky(owner, boardId, { prompt: "control" });
      const done = await waitForStatus(api, control.id, ["COMPLETED", "FAILED", "CANCELLED"]);
      expect(done.status).toBe("COMPLETED");
      expect(workspace.record(control.id)?.attempts).toBe(1);

      expect(workspace.record(queued.id)).toBeNull();
      expect(seen.events).toEqual([]);
      seen.stop();
      const after = await generationRow(api, queued.id);
      expect(after).toEqual(cancelledRow);
    } finally {
      await worker.close();
    }
  });

  it("is a CONFLICT the second time, and the first cancellation is kept as it was", async () => {
    const queued = await submitFlaky(owner, boardId, {});
    expectData(await cancel(owner, queued.id));
    const row = await generationRow(api, queued.id);
    expectError(await cancel(owner, queued.id), "CONFLICT", conflictMessage("cancelled"));
    expect(await generationRow(api, queued.id)).toEqual(row);
  });
});

/** A status poll that never comes within a test: only the event bus can abort the generator. */
const NO_STATUS_POLL = { BOARDS_WORKER_CANCEL_CHECK_MS: String(60 * 60 * 1000) };

describe("cancelling a running generation (through the event bus)", () => {
  /** API with the worker in the same process (one event bus), its status poll out of the way. */
  let worker: TestServer;
  let owner: Actor;
  let boardId: string;

  beforeAll(async () => {
    worker = await startServer(serverEnv(NO_STATUS_POLL), { worker: true });
    owner = await (await newTenant(worker)).user("owner");
    boardId = await createBoard(owner, { title: "Running" });
  });
  afterAll(async () => {
    await worker?.close();
  });

  const storageDir = () => localStorageDir(worker.env);

  it("aborts a built-in generator mid-run: the job ends long before its delay, it stays CANCELLED and nothing is stored", async () => {
    const g = await submit(owner, {
      boardId,
      generatorName: "image-from-prompt",
      artifactType: "IMAGE",
      inputParams: { prompt: "a long job", width: 32, height: 32, delay_ms: 30_000, progress_steps: 60 },
    });
    const events = await recordEvents(worker.runtime.events, g.id);
    const running = await pollUntil(
      () => generationRow(worker, g.id),
      (row) => row.status === "PROCESSING" && row.progress > 0,
      { what: "the generator to report progress" },
    );
    expect(running.startedAt).not.toBeNull();

    const result = expectData(await cancel(owner, g.id)).cancelGeneration;
    expect(result).toMatchObject({ status: "CANCELLED", errorMessage: "Cancelled by user", storageUrl: null });
    expect(result.completedAt).not.toBeNull();
    expect(new Date(result.startedAt!).toISOString()).toBe(running.startedAt!.toISOString());

    // The task returns (its job row is deleted) only once the generator has stopped.
    await pollUntil(() => jobsOf(worker.pool, g.id), (jobs) => jobs.length === 0, { what: "the running job to end" });
    const after = await generationRow(worker, g.id);
    expect(after).toMatchObject({ status: "CANCELLED", errorMessage: "Cancelled by user", storageUrl: null, storageKey: null });
    expect(after.completedAt!.toISOString()).toBe(result.completedAt);
    expect(await filesUnder(storageDir())).toEqual([]);

    events.stop();
    expect(events.events.at(-1)?.generation.status).toBe("CANCELLED");
    expect(events.events.filter((e) => e.generation.status === "COMPLETED")).toEqual([]);
    expectConsistentLifecycle(events.events.map((e) => e.generation));
  });

  it("aborts the generator's signal with 'Cancelled by user' and deletes the output it had already stored", async () => {
    const g = await submitFlaky(owner, boardId, { hold_ms: 60_000 });
    const events = await recordEvents(worker.runtime.events, g.id);
    await pollUntil(() => workspace.record(g.id)?.runs[0]?.outcome, (outcome) => outcome === "stored", { what: "the output to be stored" });
    const stored = await filesUnder(storageDir());
    expect(stored.some((f) => f.includes(g.id))).toBe(true);

    expectData(await cancel(owner, g.id));
    await pollUntil(() => jobsOf(worker.pool, g.id), (jobs) => jobs.length === 0, { what: "the running job to end" });

    expect(workspace.record(g.id)).toEqual({
      attempts: 1,
      runs: [{ attempt: 1, pid: process.pid, outcome: "aborted", reason: "Cancelled by user" }],
    });
    expect(await filesUnder(storageDir())).toEqual([]);
    const row = await generationRow(worker, g.id);
    expect(row).toMatchObject({ status: "CANCELLED", errorMessage: "Cancelled by user", storageUrl: null, storageKey: null });
    events.stop();
    expect(events.events.at(-1)?.generation.status).toBe("CANCELLED");
    expectConsistentLifecycle(events.events.map((e) => e.generation));
  });

  it("refuses to cancel a COMPLETED or FAILED generation (CONFLICT) and changes nothing", async () => {
    const completed = await submitFlaky(owner, boardId, {});
    const failed = await submitFlaky(owner, boardId, { fail_attempts: 1, failure: "permanent" });
    const completedRow = await waitForStatus(worker, completed.id, ["COMPLETED", "FAILED", "CANCELLED"]);
    const failedRow = await waitForStatus(worker, failed.id, ["COMPLETED", "FAILED", "CANCELLED"]);
    expect(completedRow.status).toBe("COMPLETED");
    expect(failedRow.status).toBe("FAILED");

    expectError(await cancel(owner, completed.id), "CONFLICT", conflictMessage("completed"));
    expectError(await cancel(owner, failed.id), "CONFLICT", conflictMessage("failed"));
    expect(await generationRow(worker, completed.id)).toEqual(completedRow);
    expect(await generationRow(worker, failed.id)).toEqual(failedRow);
  });
});

describe("cancelling a running generation (through the status poll)", () => {
  /** API with the worker in the same process; cancellations come from another API (another bus). */
  let worker: TestServer;
  let owner: Actor;
  /** The same user, through the API without a worker (another process as far as events go). */
  let ownerElsewhere: Actor;
  let boardId: string;

  beforeAll(async () => {
    worker = await startServer(serverEnv(), { worker: true });
    const tenant = await newTenant(worker);
    owner = await tenant.user("owner");
    ownerElsewhere = await (await newTenant(api, tenant.slug)).user("owner");
    expect(ownerElsewhere.id).toBe(owner.id);
    boardId = await createBoard(owner, { title: "Polled" });
  });
  afterAll(async () => {
    await worker?.close();
  });

  const storageDir = () => localStorageDir(worker.env);

  it("stops a generator running in another process, which learns of it by polling the status", async () => {
    const g = await submitFlaky(owner, boardId, { hold_ms: 60_000 });
    await pollUntil(() => workspace.record(g.id)?.runs[0]?.outcome, (outcome) => outcome === "stored", { what: "the output to be stored" });

    // Cancelled through the API without a worker: its event bus is not the worker's.
    const result = expectData(await cancel(ownerElsewhere, g.id)).cancelGeneration;
    expect(result.status).toBe("CANCELLED");
    await pollUntil(() => jobsOf(worker.pool, g.id), (jobs) => jobs.length === 0, { what: "the running job to end" });

    expect(workspace.record(g.id)?.runs).toEqual([{ attempt: 1, pid: process.pid, outcome: "aborted", reason: "Cancelled by user" }]);
    expect(await filesUnder(storageDir())).toEqual([]);
    expect(await generationRow(worker, g.id)).toMatchObject({ status: "CANCELLED", errorMessage: "Cancelled by user", storageUrl: null });
  });
});
