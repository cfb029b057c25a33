/**
 * The `boards` command line and `npx graphile-worker`, run as real processes (the package's
 * bin, graphile-worker's own CLI with graphile.config.ts) against a database of this suite's
 * own and a real API: tenants, generators, migrate, the job queue (list, failed, retry, cancel)
 * on jobs that really ran and failed, `generate` following a generation to its end, and the
 * exit statuses (0 ok, 1 failure, 2 usage).
 */
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db.js";
import { startWorker, type RunningWorker } from "../src/jobs/startWorker.js";
import { newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { faultWorkspace, generationRow, submitFlaky, suiteDatabase, waitForStatus, type FaultWorkspace } from "./helpers/faultHarness.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";
import { runNode, type Run } from "./helpers/runNode.js";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const bin = join(projectRoot, "bin", "boards.js");
const graphileWorkerCli = join(projectRoot, "node_modules", "graphile-worker", "dist", "cli.js");


let database: ThrowawayDatabase;
let workspace: FaultWorkspace;
/** The API, without a worker: jobs stay queued until a test runs them. */
let api: TestServer;
let owner: Actor;
let boardId: string;

/** The configuration of the processes: this suite's database, generators and storage. */
function processEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("BOARDS_") && !["DATABASE_URL", "REDIS_URL", "NODE_OPTIONS"].includes(key)),
  );
  return {
    ...inherited,
    BOARDS_ENVIRONMENT: "test",
    BOARDS_DATABASE_URL: database.url,
    BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath,
    BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir,
    BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: `${api.url}/api/storage`,
    BOARDS_JOB_MAX_ATTEMPTS: "2",
    BOARDS_WORKER_POLL_INTERVAL_MS: "200",
    BOARDS_LOG_LEVEL: "warn",
    // The fault generator is a TypeScript module: run from the sources even if a build exists.
    BOARDS_FROM_SOURCES: "true",
    ...extra,
  };
}

function run(args: string[], env: NodeJS.ProcessEnv = processEnv()): Promise<Run> {
  return runNode(args, projectRoot, env);
}

const boards = (...args: string[]) => run([bin, ...args]);

/** `npx graphile-worker --once`: runs every runnable job, then exits. */
const graphileWorkerOnce = () => run([graphileWorkerCli, "--once"]);

function json<T>(result: Run): T {
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as T;
}

type JobView = { id: string; task: string; state: string; attempts: number; maxAttempts: number; key: string | null; lastError: string | null; runAt: string };

async function jobsOfTask(task: string): Promise<JobView[]> {
  return json<JobView[]>(await boards("jobs", "list", "--task", task, "--json"));
}

beforeAll(async () => {
  database = await suiteDatabase("cli");
  workspace = await faultWorkspace();
  api = await startServer({
    BOARDS_DATABASE_URL: database.url,
    BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath,
    BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir,
    BOARDS_JOB_MAX_ATTEMPTS: "2",
  });
  owner = await (await newTenant(api)).user("owner");
  boardId = await createBoard(owner, { title: "CLI" });
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
  await workspace?.dispose();
});

describe("usage and failures", () => {
  it("exits 2 on an unknown command or bad arguments, 1 on an unknown job, and 1 with one clear line when the database is unreachable", async () => {
    const [unknown, badId, noJob, missing, unreachable] = await Promise.all([
      boards("frobnicate"),
      boards("jobs", "retry", "12abc"),
      boards("jobs", "retry", "999999999"),
      boards("tenants", "create", "--slug", "acme"),
      run([bin, "tenants", "list"], processEnv({ BOARDS_DATABASE_URL: "postgresql://postgres:hunter2@127.0.0.1:1/nowhere" })),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("invalid job id '12abc'");
    expect(noJob).toMatchObject({ code: 1, stderr: "boards: no job with id 999999999\n" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toMatch(/^boards: cannot reach the database postgresql:\/\/postgres@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    expect(unreachable.stderr).not.toContain("hunter2");
    expect(unreachable.stderr).not.toContain("    at ");
  });
});

describe("database commands", () => {
  it("creates tenants (idempotent by slug, slugs validated) and lists them", async () => {
    const created = json<{ tenant_id: string; slug: string; name: string; existing: boolean }>(
      await boards("tenants", "create", "--slug", "cli-acme", "--name", "Acme", "--json"),
    );
    expect(created).toMatchObject({ slug: "cli-acme", name: "Acme", existing: false });
    const [again, invalid, listed] = await Promise.all([
      boards("tenants", "create", "--slug", "cli-acme", "--name", "Other"),
      boards("tenants", "create", "--slug", "Not A Slug", "--name", "Bad"),
      boards("tenants", "list", "--json"),
    ]);
    expect(again).toMatchObject({ code: 0, stdout: `Tenant already exists cli-acme (${created.tenant_id})\n` });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("--slug must be lowercase letters, digits and hyphens");
    const tenants = json<Array<{ tenant_id: string; slug: string; name: string }>>(listed);
    expect(tenants).toContainEqual(expect.objectContaining({ tenant_id: created.tenant_id, slug: "cli-acme", name: "Acme" }));
    expect(tenants.map((t) => t.slug)).not.toContain("not-a-slug");
  });

  it("lists the configured generators with their input schemas; migrate on a migrated database changes nothing", async () => {
    const before = await api.pool.query("SELECT count(*)::int AS n FROM _prisma_migrations");
    const [generators, migrate] = await Promise.all([boards("generators", "list", "--json"), boards("migrate")]);
    const list = json<Array<{ name: string; artifactType: string; inputSchema: { properties?: Record<string, unknown> } }>>(generators);
    expect(list.map((g) => g.name)).toEqual(expect.arrayContaining(["flaky-text", "image-from-prompt", "text-from-prompt"]));
    expect(list.find((g) => g.name === "flaky-text")).toMatchObject({ artifactType: "TEXT" });
    expect(Object.keys(list.find((g) => g.name === "flaky-text")!.inputSchema.properties ?? {})).toContain("fail_attempts");
    expect(migrate, migrate.stderr).toMatchObject({ code: 0, stdout: "Database is up to date; no migration to apply\n" });
    // Nothing was applied, so the Prisma CLI never ran (it would have said so on stderr).
    expect(migrate.stderr).not.toContain("applying");
    expect((await api.pool.query("SELECT count(*)::int AS n FROM _prisma_migrations")).rows).toEqual(before.rows);
  });
});

describe("jobs, run by npx graphile-worker", () => {
  it("lists jobs, shows failed ones, retries them from scratch and cancels a generation's job", { timeout: 120_000 }, async () => {
    // A generation whose first attempt fails (transient), one that succeeds, one to cancel.
    const flaky = await submitFlaky(owner, boardId, { fail_attempts: 1 });
    const fine = await submitFlaky(owner, boardId, {});
    const doomed = await submitFlaky(owner, boardId, {});
    // A deletion that fails for good (1 attempt): its key names a directory, which cannot be deleted as an object.
    const blocked = join(workspace.storageDir, "cli", "blocked.txt");
    await mkdir(blocked, { recursive: true });
    await api.pool.query(
      `SELECT graphile_worker.add_job('delete_stored_objects', json_build_object('keys', ARRAY['cli/blocked.txt'], 'provider', 'local'), max_attempts => 1)`,
    );

    const queued = await jobsOfTask("run_generation");
    expect(queued.map((j) => [j.key, j.state, j.attempts, j.maxAttempts])).toEqual([
      [`generation:${flaky.id}`, "queued", 0, 2],
      [`generation:${fine.id}`, "queued", 0, 2],
      [`generation:${doomed.id}`, "queued", 0, 2],
    ]);

    const doomedJob = queued.find((j) => j.key === `generation:${doomed.id}`)!;
    const cancelled = json<{ removed: boolean; cancelledGeneration: string }>(await boards("jobs", "cancel", doomedJob.id, "--json"));
    expect(cancelled).toMatchObject({ removed: true, cancelledGeneration: doomed.id });
    expect(await generationRow(api, doomed.id)).toMatchObject({ status: "CANCELLED", errorMessage: "Cancelled by user" });

    const firstRun = await graphileWorkerOnce();
    expect(firstRun.code, firstRun.stdout + firstRun.stderr).toBe(0);
    expect(await generationRow(api, fine.id)).toMatchObject({ status: "COMPLETED", progress: 100 });
    expect((await generationRow(api, flaky.id)).status).toBe("PENDING");
    expect(workspace.record(doomed.id)).toBeNull();

    const failed = json<JobView[]>(await boards("jobs", "failed", "--json"));
    expect(failed.map((j) => [j.task, j.state, j.attempts, j.maxAttempts])).toEqual([
      ["run_generation", "retrying", 1, 2],
      ["delete_stored_objects", "failed", 1, 1],
    ]);
    expect(failed[0]!.key).toBe(`generation:${flaky.id}`);
    expect(failed[0]!.lastError).toContain("transient failure on attempt 1");
    expect(failed[1]!.lastError).toContain("Could not delete 1 stored object(s)");

    // The operator fixes the storage (a file in place of the directory) and retries both.
    await rm(blocked, { recursive: true });
    await writeFile(blocked, "left behind");
    for (const job of failed) {
      const retried = json<JobView>(await boards("jobs", "retry", job.id, "--json"));
      expect(retried).toMatchObject({ id: job.id, attempts: 0, state: "queued" });
      expect(new Date(retried.runAt).getTime()).toBeLessThanOrEqual(Date.now());
    }

    const secondRun = await graphileWorkerOnce();
    expect(secondRun.code, secondRun.stdout + secondRun.stderr).toBe(0);
    expect(await generationRow(api, flaky.id)).toMatchObject({ status: "COMPLETED" });
    expect(workspace.record(flaky.id)?.attempts).toBe(2);
    await expect(stat(blocked)).rejects.toMatchObject({ code: "ENOENT" });
    const left = await boards("jobs", "list");
    expect(left).toMatchObject({ code: 0, stdout: "No jobs.\n" });
    // The worker recorded its heartbeat while it ran and removed it when it stopped.
    expect((await api.pool.query("SELECT count(*)::int AS n FROM worker_heartbeats")).rows).toEqual([{ n: 0 }]);
  });

});

describe("generate", () => {
  let worker: RunningWorker;
  let workerPool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    workerPool = createPool(api.env.databaseUrl, 4);
    worker = await startWorker({ ...api.runtime, pgPool: workerPool }, api.env.worker);
  });

  afterAll(async () => {
    await worker?.stop();
    await workerPool?.end();
  });

  it("submits over the API, follows the progress and prints the output URL; a failed generation or an API refusal exits 1", { timeout: 60_000 }, async () => {
    const common = ["generate", "--api", api.url, "--token", owner.token, "--tenant", owner.tenant, "--board", boardId, "--generator", "flaky-text"];
    const [done, failed, refused] = await Promise.all([
      boards(...common, "--input", "prompt=hello from the CLI", "--input", "hold_ms=300"),
      boards(...common, "--input", "prompt=no luck", "--input", "fail_attempts=1", "--input", "failure=permanent", "--json"),
      boards(...common.slice(0, -1), "no-such-generator", "--input", "prompt=x"),
    ]);

    expect(done.code, done.stderr).toBe(0);
    const url = done.stdout.trim();
    expect(url).toMatch(new RegExp(`^${api.url}/api/storage/`));
    const file = await fetch(url, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(file.status).toBe(200);
    expect(await file.text()).toContain("hello from the CLI");
    // stderr is not a terminal here: one plain line per change, ending at 100 %.
    expect(done.stderr).toMatch(/^generation [0-9a-f-]{36} submitted\n/);
    expect(done.stderr.trim().split("\n").at(-1)).toMatch(/^completed 100%/);

    expect(failed.code).toBe(1);
    const answer = JSON.parse(failed.stdout) as { id: string; status: string; errorMessage: string };
    expect(answer).toMatchObject({ status: "FAILED", errorMessage: "permanent failure on attempt 1" });
    expect(failed.stderr).toContain(`boards: generation ${answer.id} failed: permanent failure on attempt 1`);
    await waitForStatus(api, answer.id, ["FAILED"]);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("boards: unknown generator 'no-such-generator' (the API has: ");
  });
});
