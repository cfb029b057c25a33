/**
 * Fault tolerance of the generation pipeline: the retry policy (transient, permanent, attempts
 * exhausted), atomic submission, guarded lifecycle transitions, workers that die (SIGKILL) or
 * stop (SIGTERM) in the middle of a job, and the sweep that fails generations whose job is gone.
 *
 * The suite has a database of its own, so no worker of another suite takes its jobs (another
 * suite's worker would not know the flaky test generator) and its sweeps touch nothing else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RUN_GENERATION } from "../src/jobs/runGeneration.js";
import {
  markCancelled,
  markCompleted,
  markFailed,
  markProcessing,
  markRetrying,
  recordProgress,
} from "../src/jobs/generationState.js";
import { Prisma, type Generation } from "../src/generated/prisma/client.js";
import { expectData, expectError, newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import {
  expectConsistentLifecycle,
  faultWorkspace,
  filesUnder,
  generationRow,
  jobsOf,
  pollUntil,
  recordEvents,
  submit,
  submitFlaky,
  suiteDatabase,
  waitForStatus,
  type FaultWorkspace,
  type JobRow,
  type LifecycleView,
} from "./helpers/faultHarness.js";
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from "./helpers/faultWorker.js";
import { createBoard } from "./helpers/taggingFixtures.js";
import { localStorageDir } from "./helpers/launch.js";
import { startServer, type TestServer } from "./helpers/server.js";

const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"];
const SHUTDOWN_MESSAGE = "Worker shutting down; the generation will be retried";
const LOST_MESSAGE = "Generation was lost: its worker stopped and no attempts remain";

let database: ThrowawayDatabase;
let workspace: FaultWorkspace;

beforeAll(async () => {
  database = await suiteDatabase("faults");
  workspace = await faultWorkspace();
});

afterAll(async () => {
  await database?.drop();
  await workspace?.dispose();
});

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { BOARDS_DATABASE_URL: database.url, BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath, ...extra };
}

type JobOutcome = { event: "job:error" | "job:success"; attempts: number; maxAttempts: number };

/** Records graphile-worker's own view of every attempt of `generationId`'s job on `server`'s worker. */
function watchJobOutcomes(server: TestServer, generationId: string): { outcomes: JobOutcome[]; stop(): void } {
  const events = server.worker!.runner.events;
  const outcomes: JobOutcome[] = [];
  const forThis = (payload: unknown) => (payload as { generationId?: unknown } | null)?.generationId === generationId;
  const onError = ({ job }: { job: { payload: unknown; attempts: number; max_attempts: number } }) => {
    if (forThis(job.payload)) outcomes.push({ event: "job:error", attempts: job.attempts, maxAttempts: job.max_attempts });
  };
  const onSuccess = ({ job }: { job: { payload: unknown; attempts: number; max_attempts: number } }) => {
    if (forThis(job.payload)) outcomes.push({ event: "job:success", attempts: job.attempts, maxAttempts: job.max_attempts });
  };
  events.on("job:error", onError);
  events.on("job:success", onSuccess);
  return {
    outcomes,
    stop() {
      events.off("job:error", onError);
      events.off("job:success", onSuccess);
    },
  };
}

/** Reads the row every 100 ms until it is terminal, keeping every observation. */
async function observeUntilTerminal(server: TestServer, id: string, tries: number): Promise<{ final: Generation; seen: LifecycleView[] }> {
  const seen: LifecycleView[] = [];
  const final = await pollUntil(
    async () => {
      const row = await generationRow(server, id);
      seen.push(row);
      return row;
    },
    (row) => TERMINAL.includes(row.status),
    { tries, what: `generation ${id} to end` },
  );
  return { final, seen };
}

describe("retry policy", () => {
  let worker: TestServer;
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    worker = await startServer(serverEnv(), { worker: true });
    owner = await (await newTenant(worker)).user("owner");
    boardId = await createBoard(owner, { title: "Retries" });
  });
  afterAll(async () => {
    await worker?.close();
  });

  it("retries a transient failure with backoff and completes on the second attempt", async () => {
    expect(worker.env.worker.maxAttempts).toBe(3);
    const g = await submitFlaky(owner, boardId, { fail_attempts: 1 });
    const jobs = watchJobOutcomes(worker, g.id);
    const bus = await recordEvents(worker.runtime.events, g.id);
    try {
      // Between the attempts: back to PENDING with the reason, the job unlocked and scheduled later.
      const waiting = await pollUntil(
        () => jobsOf(worker.pool, g.id),
        (rows) => rows.length === 1 && rows[0]!.attempts === 1 && rows[0]!.locked_at === null,
        { what: "the failed first attempt" },
      );
      const job = waiting[0]!;
      expect(job.last_error).toContain("transient failure on attempt 1");
      expect(job.run_at.getTime()).toBeGreaterThan(Date.now());
      const between = await generationRow(worker, g.id);
      expect(between).toMatchObject({ status: "PENDING", errorMessage: "Attempt 1 failed: transient failure on attempt 1; retrying" });
      expect(between.startedAt).not.toBeNull();

      const done = await waitForStatus(worker, g.id, TERMINAL);
      expect(done).toMatchObject({
        status: "COMPLETED",
        progress: 100,
        errorMessage: null,
        externalJobId: "flaky-attempt-2",
      });
      expect(done.startedAt!.toISOString()).toBe(between.startedAt!.toISOString());
      expect(done.outputMetadata).toMatchObject({ content: "flaky (attempt 2)", format: "plain" });
      // The row holds the plain URL of a private board's file: the board's owner may open it.
      const download = await fetch(done.storageUrl!, { headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant } });
      expect(download.status).toBe(200);
      expect(await download.text()).toBe("flaky (attempt 2)");

      expect(jobs.outcomes).toEqual([
        { event: "job:error", attempts: 1, maxAttempts: 3 },
        { event: "job:success", attempts: 2, maxAttempts: 3 },
      ]);
      expect(workspace.record(g.id)?.runs.map((r) => [r.attempt, r.outcome])).toEqual([
        [1, "failed"],
        [2, "done"],
      ]);
      expect(await jobsOf(worker.pool, g.id)).toEqual([]);

      const statuses = bus.events.map((e) => e.generation.status);
      expect(statuses.at(-1)).toBe("COMPLETED");
      expect(bus.events.some((e) => e.generation.status === "PENDING" && e.phase === "queued" && e.message?.startsWith("Attempt 1 failed"))).toBe(true);
      expect(statuses.filter((s) => s === "PROCESSING").length).toBeGreaterThanOrEqual(2);
      expectConsistentLifecycle(bus.events.map((e) => e.generation));
    } finally {
      jobs.stop();
      bus.stop();
    }
  });

  it("fails a PermanentGeneratorError at once: one attempt, no retry", async () => {
    const g = await submitFlaky(owner, boardId, { fail_attempts: 5, failure: "permanent" });
    const jobs = watchJobOutcomes(worker, g.id);
    try {
      const done = await waitForStatus(worker, g.id, TERMINAL);
      expect(done).toMatchObject({ status: "FAILED", errorMessage: "permanent failure on attempt 1", storageUrl: null });
      expect(done.completedAt).not.toBeNull();
      // The job is gone, so nothing can run it again.
      await pollUntil(() => jobsOf(worker.pool, g.id), (rows) => rows.length === 0, { what: "the job to be removed" });
      expect(jobs.outcomes).toEqual([{ event: "job:success", attempts: 1, maxAttempts: 3 }]);
      expect(workspace.record(g.id)?.attempts).toBe(1);
    } finally {
      jobs.stop();
    }
  });

  it("fails a transient failure on the last attempt, saying how many were made", async () => {
    const oneShot = await startServer(serverEnv({ BOARDS_JOB_MAX_ATTEMPTS: "1" }));
    try {
      const submitter = await (await newTenant(oneShot)).user("owner");
      const board = await createBoard(submitter, { title: "One attempt" });
      const g = await submitFlaky(submitter, board, { fail_attempts: 5 });
      expect((await jobsOf(worker.pool, g.id))[0]?.max_attempts).toBe(1);
      const done = await waitForStatus(worker, g.id, TERMINAL);
      expect(done).toMatchObject({ status: "FAILED", errorMessage: "transient failure on attempt 1 (after 1 attempts)", storageUrl: null });
      await pollUntil(() => jobsOf(worker.pool, g.id), (rows) => rows.length === 0, { what: "the job to be removed" });
      expect(workspace.record(g.id)?.attempts).toBe(1);
    } finally {
      await oneShot.close();
    }
  });

  it("never overwrites a terminal state: stale jobs for finished generations change nothing", async () => {
    const completed = await submitFlaky(owner, boardId, {});
    const failed = await submitFlaky(owner, boardId, { fail_attempts: 1, failure: "permanent" });
    const cancelled = await submitFlaky(owner, boardId, { hold_ms: 60_000 });
    await pollUntil(() => workspace.record(cancelled.id)?.runs[0]?.outcome, (o) => o === "stored", { what: "the held run" });
    expectData(await owner.gql(`mutation($id: UUID!) { cancelGeneration(id: $id) { id } }`, { id: cancelled.id }));
    const ids = [completed.id, failed.id, cancelled.id];
    for (const id of ids) await waitForStatus(worker, id, TERMINAL);
    for (const id of ids) await pollUntil(() => jobsOf(worker.pool, id), (rows) => rows.length === 0, { what: "the jobs to end" });
    const before = await Promise.all(ids.map((id) => generationRow(worker, id)));
    expect(before.map((r) => r.status)).toEqual(["COMPLETED", "FAILED", "CANCELLED"]);
    const attemptsBefore = ids.map((id) => workspace.record(id)?.attempts);

    // Each transition refuses a terminal row.
    const deps = worker.runtime;
    for (const row of before) {
      expect(await markProcessing(deps, row)).toBeNull();
      expect(await recordProgress(deps, row.id, 99, "processing", null)).toBeNull();
      expect(await markRetrying(deps, row.id, "again")).toBeNull();
      expect(await markFailed(deps, row.id, "late failure")).toBeNull();
      expect(await markCancelled(deps, row.id)).toBeNull();
      expect(
        await markCompleted(deps, row.id, { storageUrl: "http://x/y", thumbnailUrl: null, storageKey: "y", storageProvider: "local", outputMetadata: {} }),
      ).toBeNull();
    }

    // Duplicate jobs (e.g. enqueued twice) for finished generations are skipped by the worker.
    const recorders = await Promise.all(ids.map((id) => recordEvents(worker.runtime.events, id)));
    for (const id of ids) {
      await worker.pool.query(`SELECT graphile_worker.add_job($1, json_build_object('generationId', $2::text))`, [RUN_GENERATION, id]);
    }
    for (const id of ids) await pollUntil(() => jobsOf(worker.pool, id), (rows) => rows.length === 0, { what: "the stale jobs to run" });
    for (const recorder of recorders) recorder.stop();
    expect(recorders.map((r) => r.events)).toEqual([[], [], []]);
    expect(await Promise.all(ids.map((id) => generationRow(worker, id)))).toEqual(before);
    expect(ids.map((id) => workspace.record(id)?.attempts)).toEqual(attemptsBefore);
  });
});

describe("submission is atomic", () => {
  it("leaves no generation behind when enqueueing fails after the insert (masked INTERNAL_SERVER_ERROR)", async () => {
    // The queueing expression runs after the row is inserted, in the same statement, and fails
    // there (division by zero computed from the inserted id): the insert must not survive.
    const broken = await startServer(serverEnv(), {
      override: (rt) => ({
        ...rt,
        jobs: { ...rt.jobs, enqueueGenerationSql: (id) => Prisma.sql`(SELECT 1 / (length((${id})::text) - 36))` },
      }),
    });
    try {
      const owner = await (await newTenant(broken)).user("owner");
      const boardId = await createBoard(owner, { title: "No queue" });
      const jobsBefore = await broken.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`);
      const result = await owner.gql(
        `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`,
        { input: { boardId, generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: "lost?" } } },
      );
      const error = expectError(result, "INTERNAL_SERVER_ERROR");
      expect(error.message).not.toContain("division");
      expect(result.data ?? null).toBeNull();
      expect(await broken.prisma.generation.count({ where: { boardId } })).toBe(0);
      const jobsAfter = await broken.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`);
      expect(jobsAfter.rows[0]!.n).toBe(jobsBefore.rows[0]!.n);
    } finally {
      await broken.close();
    }
  });
});

describe("workers that die or stop mid-job", () => {
  /** API without a worker; worker processes and later workers share its storage directory. */
  let api: TestServer;
  let owner: Actor;
  let boardId: string;
  let child: WorkerProcess | undefined;
  let rescuer: TestServer | undefined;

  beforeAll(async () => {
    api = await startServer(serverEnv({ BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir }));
    owner = await (await newTenant(api)).user("owner");
    boardId = await createBoard(owner, { title: "Dying workers" });
  });
  afterEach(async () => {
    if (child) {
      child.kill();
      await child.exited;
      child = undefined;
    }
    await rescuer?.close();
    rescuer = undefined;
  });
  afterAll(async () => {
    await api?.close();
  });

  const startRescuer = async () => {
    rescuer = await startServer(serverEnv({ BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir }), { worker: true });
    return rescuer;
  };

  /**
   * The generation's job is gone. graphile-worker removes a job just after its task returns,
   * which is just after the generation row turned COMPLETED, so this waits (bounded) for it.
   */
  async function expectJobRemoved(generationId: string): Promise<void> {
    await pollUntil(() => jobsOf(api.pool, generationId), (rows) => rows.length === 0, { tries: 50, what: `the job of ${generationId} to be removed` });
  }

  async function heartbeatsOf(worker: WorkerProcess): Promise<string[]> {
    const rows = await api.prisma.workerHeartbeat.findMany({ where: { process: worker.heartbeatProcess } });
    return rows.map((r) => r.workerId);
  }

  it(
    "recovers the job of a SIGKILLed worker: its lock is released, its heartbeat removed, and the generation completes elsewhere",
    async () => {
      const worker = startWorkerProcess(workerEnvFor(api));
      child = worker;
      const g = await submit(owner, {
        boardId,
        generatorName: "text-from-prompt",
        artifactType: "TEXT",
        inputParams: { prompt: "survive a crash", style: "echo", delay_ms: 3000, progress_steps: 6 },
      });
      const seen: LifecycleView[] = [];
      const running = await pollUntil(
        async () => {
          const row = await generationRow(api, g.id);
          seen.push(row);
          return row;
        },
        (row) => row.status === "PROCESSING" && row.progress > 0,
        { tries: 150, what: `the worker process to run the job\n${worker.output()}` },
      );
      const [job] = await jobsOf(api.pool, g.id);
      expect(job?.locked_by).toBeTruthy();
      const deadLocker = job!.locked_by!;
      const deadHeartbeats = await heartbeatsOf(worker);
      expect(deadHeartbeats).not.toEqual([]);

      worker.child.kill("SIGKILL");
      expect(await worker.exited).toEqual({ code: null, signal: "SIGKILL" });
      // Nobody else is running: the job stays locked by the dead worker.
      expect((await jobsOf(api.pool, g.id))[0]).toMatchObject({ locked_by: deadLocker, attempts: 1 });

      await startRescuer();
      const { final, seen: later } = await observeUntilTerminal(api, g.id, 150);
      expect(final).toMatchObject({ status: "COMPLETED", progress: 100, errorMessage: null });
      expect(final.startedAt!.toISOString()).toBe(running.startedAt!.toISOString());
      expect(final.outputMetadata).toMatchObject({ content: "survive a crash" });
      expectConsistentLifecycle([...seen, ...later]);
      expect(await filesUnder(workspace.storageDir)).toContain(final.storageKey);

      expect(await api.prisma.workerHeartbeat.findMany({ where: { workerId: { in: deadHeartbeats } } })).toEqual([]);
      expect(await heartbeatsOf(worker)).toEqual([]);
      await expectJobRemoved(g.id);
    },
    30_000,
  );

  it(
    "on SIGTERM finishes a short job, releases a long one for another worker, and exits 0",
    async () => {
      const worker = startWorkerProcess(workerEnvFor(api));
      child = worker;
      // Holds briefly: done within the shutdown grace period.
      const short = await submitFlaky(owner, boardId, { prompt: "short", hold_ms: 1500 });
      // Holds on its first attempt until aborted; a retry completes at once.
      const long = await submitFlaky(owner, boardId, { prompt: "long", hold_ms: 60_000, hold_attempts: 1 });
      for (const g of [short, long]) {
        await pollUntil(() => workspace.record(g.id)?.runs[0]?.outcome, (o) => o === "stored", {
          tries: 150,
          what: `the worker process to run ${g.id}\n${worker.output()}`,
        });
      }
      expect(workspace.record(long.id)?.runs[0]?.pid).toBe(worker.pid);
      expect(await heartbeatsOf(worker)).not.toEqual([]);

      worker.child.kill("SIGTERM");
      expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
      expect(worker.logs.map((l) => l.msg)).toContain("worker stopped");

      // The short job finished during the grace period.
      expect(await generationRow(api, short.id)).toMatchObject({ status: "COMPLETED", errorMessage: null });
      expect(workspace.record(short.id)?.runs).toEqual([{ attempt: 1, pid: worker.pid, outcome: "done" }]);
      expect(await jobsOf(api.pool, short.id)).toEqual([]);

      // The long one was aborted and handed back: unlocked, no attempt used, no error recorded
      // (tests/shutdown.test.ts covers repeated deploys).
      expect(workspace.record(long.id)?.runs).toEqual([{ attempt: 1, pid: worker.pid, outcome: "aborted", reason: SHUTDOWN_MESSAGE }]);
      const released = await jobsOf(api.pool, long.id);
      expect(released).toHaveLength(1);
      expect(released[0]).toMatchObject<Partial<JobRow>>({ locked_at: null, locked_by: null, attempts: 0, last_error: null });
      // A live worker never releases its own running job as if it were dead.
      expect.soft(worker.logs.filter((l) => l.msg === "released jobs of dead workers")).toEqual([]);
      expect(await generationRow(api, long.id)).toMatchObject({ status: "PENDING", errorMessage: null });
      expect(await heartbeatsOf(worker)).toEqual([]);

      await startRescuer();
      const { final } = await observeUntilTerminal(api, long.id, 100);
      expect(final).toMatchObject({ status: "COMPLETED", errorMessage: null, externalJobId: "flaky-attempt-2" });
      expect(workspace.record(long.id)?.runs.map((r) => [r.attempt, r.pid, r.outcome])).toEqual([
        [1, worker.pid, "aborted"],
        [2, process.pid, "done"],
      ]);
      await expectJobRemoved(long.id);
    },
    30_000,
  );
});

describe("a live worker's long job", () => {
  it("is neither released nor run a second time when it runs longer than the dead-after bound", async () => {
    const worker = await startServer(serverEnv(), { worker: true });
    try {
      const owner = await (await newTenant(worker)).user("owner");
      const boardId = await createBoard(owner, { title: "Long jobs" });
      // Holds well past the dead-after bound on its first attempt; a second attempt would not hold.
      const g = await submitFlaky(owner, boardId, { prompt: "long", hold_ms: worker.env.worker.deadAfterMs + 2500, hold_attempts: 1 });
      const lockers: Array<string | null> = [];
      const final = await pollUntil(
        async () => {
          const [job] = await jobsOf(worker.pool, g.id);
          if (job) lockers.push(job.locked_by);
          return generationRow(worker, g.id);
        },
        (row) => TERMINAL.includes(row.status),
        { tries: 120, what: "the long job to end" },
      );
      // One run, locked by one worker from start to end, and its output kept.
      const firstLock = lockers.findIndex((l) => l !== null);
      expect.soft(lockers.slice(firstLock), "locked_by of the job while it ran").toEqual(lockers.slice(firstLock).map(() => lockers[firstLock]));
      expect.soft(workspace.record(g.id)?.runs, "runs of the generator").toEqual([{ attempt: 1, pid: process.pid, outcome: "done" }]);
      expect.soft(final, "the generation").toMatchObject({ status: "COMPLETED", externalJobId: "flaky-attempt-1" });
      // Wait for every run to end (a second run, if any, settles its outputs when the first returns).
      await pollUntil(() => jobsOf(worker.pool, g.id), (rows) => rows.length === 0, { tries: 100, what: "the job to end" });
      await pollUntil(() => workspace.record(g.id)?.runs.every((r) => r.outcome === "done" || r.outcome === "aborted"), Boolean, {
        tries: 100,
        what: "every run to end",
      });
      const settled = await generationRow(worker, g.id);
      expect(settled.status).toBe("COMPLETED");
      expect(await filesUnder(localStorageDir(worker.env)), "the completed generation's file").toContain(settled.storageKey);
    } finally {
      await worker.close();
    }
  });
});

describe("orphan sweep", () => {
  it("fails generations whose job is gone or out of attempts, once they are older than the dead-after bound", async () => {
    // Prepared without a worker running, then made to look like they were picked up.
    const api = await startServer(serverEnv());
    let sweeper: TestServer | undefined;
    try {
      const owner = await (await newTenant(api)).user("owner");
      const boardId = await createBoard(owner, { title: "Orphans" });
      const text = { boardId, generatorName: "text-from-prompt", artifactType: "TEXT" };
      const jobGone = await submit(owner, { ...text, inputParams: { prompt: "job gone" } });
      const outOfAttempts = await submit(owner, { ...text, inputParams: { prompt: "out of attempts" } });
      const lastAttemptRunning = await submit(owner, { ...text, inputParams: { prompt: "last attempt running" } });
      const waiting = await submit(owner, { ...text, inputParams: { prompt: "waiting for a retry" } });
      const ids = [jobGone.id, outOfAttempts.id, lastAttemptRunning.id, waiting.id];
      // No worker may pick these up.
      await api.pool.query(
        `UPDATE graphile_worker._private_jobs SET run_at = now() + interval '1 hour' WHERE key = ANY($1::text[])`,
        [ids.map((id) => `generation:${id}`)],
      );
      await api.pool.query(`UPDATE generations SET status = 'processing', started_at = now() WHERE id = ANY($1::uuid[])`, [
        [jobGone.id, lastAttemptRunning.id],
      ]);
      await api.pool.query(
        `UPDATE graphile_worker._private_jobs SET attempts = max_attempts WHERE key = ANY($1::text[])`,
        [[`generation:${outOfAttempts.id}`, `generation:${lastAttemptRunning.id}`]],
      );
      await api.pool.query(`INSERT INTO worker_heartbeats (worker_id, process) VALUES ('live-test-worker', 'test')`);
      await api.pool.query(
        `UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'live-test-worker' WHERE key = $1`,
        [`generation:${lastAttemptRunning.id}`],
      );
      await api.pool.query(`DELETE FROM graphile_worker._private_jobs WHERE key = $1`, [`generation:${jobGone.id}`]);

      sweeper = await startServer(serverEnv(), { worker: true });
      const liveness = sweeper.worker!.liveness;
      // Only the explicit sweeps below run.
      await liveness.stop();
      await api.pool.query(`UPDATE worker_heartbeats SET last_seen = now() WHERE worker_id = 'live-test-worker'`);

      // Recently updated: not yet taken for lost.
      expect((await liveness.sweep()).failedGenerations).toEqual([]);

      await api.pool.query(`UPDATE generations SET updated_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])`, [ids]);
      const swept = await liveness.sweep();
      expect(swept.unlockedWorkers).toEqual([]);
      expect([...swept.failedGenerations].sort()).toEqual([jobGone.id, outOfAttempts.id].sort());

      for (const id of [jobGone.id, outOfAttempts.id]) {
        const row = await generationRow(api, id);
        expect(row).toMatchObject({ status: "FAILED", errorMessage: LOST_MESSAGE });
        expect(row.completedAt).not.toBeNull();
      }
      expect(await generationRow(api, lastAttemptRunning.id)).toMatchObject({ status: "PROCESSING", errorMessage: null, completedAt: null });
      expect(await generationRow(api, waiting.id)).toMatchObject({ status: "PENDING", errorMessage: null, completedAt: null });

      // A second pass finds nothing more.
      expect((await liveness.sweep()).failedGenerations).toEqual([]);
    } finally {
      await api.pool.query(`DELETE FROM worker_heartbeats WHERE worker_id = 'live-test-worker'`).catch(() => undefined);
      await api.pool.query(`DELETE FROM graphile_worker._private_jobs WHERE run_at > now() + interval '30 minutes'`).catch(() => undefined);
      await sweeper?.close();
      await api.close();
    }
  });
});
