/**
 * A provider generator end to end, through GraphQL, a real worker and a fake fal on loopback:
 * submit → parked at the provider (no worker slot held) → progress → COMPLETED with the provider's
 * files copied into our storage, by polling and by webhook; errors the provider reports; cancel
 * reaching the provider; the maximum wait; a worker restart while parked never submitting twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredGenerator } from "../src/generators/Generator.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import type { Runtime } from "../src/runtime.js";
import { startFalFake, type FalFake } from "./fakes/falFake.js";
import { newTenant, type Actor } from "./helpers/actors.js";
import { awaitGeneration, download, readGeneration, startIsolatedServer, submitGeneration, type GenerationView } from "./helpers/pipeline.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { launchServer, type TestServer } from "./helpers/launch.js";
import { createBoard } from "./helpers/taggingFixtures.js";

const NANO_BANANA = loadCatalogue().find((d) => d.name === "fal-nano-banana")!;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** fal-nano-banana plus a copy that gives up after 2 s, for the maximum wait. */
const withImpatientCopy = (runtime: Runtime): Runtime => {
  runtime.generators.register(declaredGenerator({ ...NANO_BANANA, name: "fal-impatient", maxWaitSeconds: 2 }));
  return runtime;
};

const falEnv = (fal: FalFake, extra: Record<string, string> = {}) => ({
  FAL_KEY: "fal-test-key",
  BOARDS_PROVIDER_ENDPOINTS: JSON.stringify({ fal: fal.url }),
  ...extra,
});

const submitFal = (actor: Actor, boardId: string, inputParams: Record<string, unknown>, generatorName = "fal-nano-banana") =>
  submitGeneration(actor, { boardId, generatorName, artifactType: "IMAGE", inputParams });

/** Reads the generation until `predicate` holds (bounded reads, no timing assertions). */
async function readUntil(actor: Actor, id: string, predicate: (g: GenerationView) => boolean, attempts = 200): Promise<GenerationView> {
  let last: GenerationView | null = null;
  for (let i = 0; i < attempts; i++) {
    last = await readGeneration(actor, id);
    if (last && predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`generation ${id} never got there; last seen: ${JSON.stringify(last)}`);
}

/** The generation's row once it is parked at the provider (its external id stored). */
async function parkedRow(server: TestServer, id: string) {
  for (let i = 0; i < 400; i++) {
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id } });
    if (row.externalJobId) return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`generation ${id} was never parked`);
}

const submits = (fal: FalFake) => fal.requests.filter((r) => r.method === "POST" && r.path.startsWith("/fal-ai/"));

describe("a fal generator, polled", () => {
  let fal: FalFake;
  let server: TestServer;
  let owner: Actor;
  let boardId: string;

  beforeAll(async () => {
    fal = await startFalFake({ delayMs: 300, apiKey: "fal-test-key" });
    server = await startIsolatedServer(falEnv(fal), { worker: true, override: withImpatientCopy });
    owner = await (await newTenant(server)).user("owner");
    boardId = await createBoard(owner);
  });
  afterAll(async () => {
    await server?.close();
    await fal?.close();
  });

  it("completes with the provider's images stored here, one generation per image, after sending Boards' arguments", async () => {
    fal.options.progressSteps = 4;
    const queued = await submitFal(owner, boardId, { prompt: "a lighthouse at dusk", num_images: 2 });
    const done = await awaitGeneration(owner, queued.id);
    expect(done.status, done.errorMessage ?? "").toBe("COMPLETED");
    expect(done.progress).toBe(100);

    const [submit] = submits(fal).filter((r) => (r.body as { prompt?: string }).prompt === "a lighthouse at dusk");
    expect(submit?.path).toBe("/fal-ai/nano-banana");
    expect(submit?.body).toMatchObject({ prompt: "a lighthouse at dusk", num_images: 2 });
    expect(submit?.query.fal_webhook).toBeUndefined();

    // Copied into our storage: served by this API, not by the provider.
    expect(done.storageUrl?.startsWith(server.url)).toBe(true);
    const file = await download(done.storageUrl!);
    expect(file.status).toBe(200);
    expect(file.bytes.subarray(0, 4)).toEqual(PNG_SIGNATURE);
    expect(done.thumbnailUrl).toBeTruthy();
    expect(done.outputMetadata).toMatchObject({ batch_index: 0, batch_size: 2, width: expect.any(Number) as number });

    const listed = await owner.ok<{ board: { generations: GenerationView[] } }>(
      `query($id: UUID!) { board(id: $id) { generations(limit: 50) { id status storageUrl outputMetadata } } }`,
      { id: boardId },
    );
    const batch = listed.board.generations.filter((g) => (g.outputMetadata as { batch_id?: string }).batch_id === queued.id);
    expect(batch.map((g) => (g.outputMetadata as { batch_index: number }).batch_index).sort()).toEqual([0, 1]);
    expect(batch.every((g) => g.status === "COMPLETED" && g.storageUrl?.startsWith(server.url))).toBe(true);
  });

  it("shows progress while the provider works, without holding the job", async () => {
    fal.options.delayMs = 6_000;
    try {
      const queued = await submitFal(owner, boardId, { prompt: "slow" });
      const working = await readUntil(owner, queued.id, (g) => g.status === "PROCESSING" && g.progress > 0);
      expect(working.progress).toBeLessThan(100);
      // Parked: no run_generation job is running or queued for it while the provider works.
      const jobs = await server.pool.query<{ task_identifier: string; locked: boolean }>(
        `SELECT t.identifier AS task_identifier, j.locked_at IS NOT NULL AS locked
           FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
          WHERE j.payload->>'generationId' = $1`,
        [queued.id],
      );
      expect(jobs.rows.filter((j) => j.task_identifier === "run_generation")).toEqual([]);
      expect(jobs.rows.some((j) => j.task_identifier === "poll_generation")).toBe(true);
      const done = await awaitGeneration(owner, queued.id, 300);
      expect(done.status, done.errorMessage ?? "").toBe("COMPLETED");
    } finally {
      fal.options.delayMs = 300;
    }
  });

  it.each([
    ["validation", /field required/],
    ["policy", /content policy/i],
    ["insufficient_credits", /insufficient credits/i],
  ] as const)("a job the provider ends with %s fails with the provider's reason", async (outcome, message) => {
    fal.options.outcome = outcome;
    try {
      const queued = await submitFal(owner, boardId, { prompt: `outcome ${outcome}` });
      const done = await awaitGeneration(owner, queued.id);
      expect(done.status).toBe("FAILED");
      expect(done.errorMessage).toMatch(message);
      expect(done.errorMessage).not.toContain("fal-test-key");
    } finally {
      fal.options.outcome = "success";
    }
  });

  it("rides out rate limits and server errors from the provider, at submit and while polling", async () => {
    fal.options.rateLimitFirst = 1;
    fal.options.delayMs = 3_000;
    const queued = await submitFal(owner, boardId, { prompt: "flaky provider" });
    await parkedRow(server, queued.id);
    fal.options.delayMs = 300;
    fal.options.serverErrorFirst = 2;
    const done = await awaitGeneration(owner, queued.id, 400);
    expect(done.status, done.errorMessage ?? "").toBe("COMPLETED");
  });

  it("cancelling a parked generation cancels the job at the provider", async () => {
    fal.options.delayMs = 60_000;
    try {
      const queued = await submitFal(owner, boardId, { prompt: "never mind" });
      const parked = await parkedRow(server, queued.id);
      const cancelled = await owner.ok<{ cancelGeneration: { status: string } }>(`mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`, { id: queued.id });
      expect(cancelled.cancelGeneration.status).toBe("CANCELLED");
      await expect
        .poll(() => fal.requests.some((r) => r.method === "PUT" && r.path.endsWith(`/requests/${parked.externalJobId}/cancel`)), { timeout: 15_000, interval: 100 })
        .toBe(true);
      expect((await readGeneration(owner, queued.id))?.status).toBe("CANCELLED");
    } finally {
      fal.options.delayMs = 300;
    }
  });

  it("fails a generation its provider has not finished within the generator's maximum wait, and cancels it there", async () => {
    fal.options.delayMs = 60_000;
    try {
      const queued = await submitFal(owner, boardId, { prompt: "too slow" }, "fal-impatient");
      const done = await awaitGeneration(owner, queued.id, 300);
      expect(done.status).toBe("FAILED");
      expect(done.errorMessage).toMatch(/Timed out: fal did not finish within 2 s; the job was cancelled at fal/);
      const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: queued.id } });
      await expect
        .poll(() => fal.requests.some((r) => r.method === "PUT" && r.path.endsWith(`/requests/${row.externalJobId}/cancel`)), { timeout: 15_000, interval: 100 })
        .toBe(true);
    } finally {
      fal.options.delayMs = 300;
    }
  });
});

describe("a fal generator, with webhooks", () => {
  let fal: FalFake;
  let server: TestServer;
  let owner: Actor;
  let boardId: string;

  beforeAll(async () => {
    fal = await startFalFake({ delayMs: 300, apiKey: "fal-test-key", webhook: "late" });
    server = await startIsolatedServer(falEnv(fal, { BOARDS_PUBLIC_URL: "{url}" }), { worker: true });
    owner = await (await newTenant(server)).user("owner");
    boardId = await createBoard(owner);
  });
  afterAll(async () => {
    await server?.close();
    await fal?.close();
  });

  it("asks for a webhook, completes when it arrives, and answers a late repeat without a change", async () => {
    const queued = await submitFal(owner, boardId, { prompt: "signed delivery" });
    const done = await awaitGeneration(owner, queued.id);
    expect(done.status, done.errorMessage ?? "").toBe("COMPLETED");
    const [submit] = submits(fal);
    expect(submit?.query.fal_webhook).toBe(`${server.url}/api/webhooks/fal`);
    await expect.poll(() => fal.deliveries.length, { timeout: 10_000, interval: 50 }).toBe(2);
    // The first woke the generation; the repeat found it finished.
    expect(fal.deliveries.map((d) => d.status)).toEqual([202, 200]);
    const after = await readGeneration(owner, queued.id);
    expect(after?.updatedAt).toBe(done.updatedAt);
  });
});

describe("a worker restart while a generation is parked", () => {
  it("follows the stored job on the new worker and never submits it twice", async () => {
    const fal = await startFalFake({ delayMs: 2_500, apiKey: "fal-test-key" });
    const database = await privateDatabase(`pl_restart_${Date.now().toString(36)}`);
    let server: TestServer | undefined;
    // The same user reaches whichever server is up.
    const current = { gql: ((...args) => server!.gql(...args)) as TestServer["gql"] };
    try {
      server = await launchServer(database.url, falEnv(fal), { worker: true });
      const owner = await (await newTenant(current)).user("owner");
      const boardId = await createBoard(owner);
      const queued = await submitFal(owner, boardId, { prompt: "across a restart" });
      await readUntil(owner, queued.id, () => submits(fal).length === 1);
      await server.close();
      server = undefined;

      server = await launchServer(database.url, falEnv(fal), { worker: true });
      const done = await awaitGeneration(owner, queued.id, 300);
      expect(done.status, done.errorMessage ?? "").toBe("COMPLETED");
      expect(submits(fal)).toHaveLength(1);
    } finally {
      await server?.close();
      await database.drop();
      await fal.close();
    }
  });
});
