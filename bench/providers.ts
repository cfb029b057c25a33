/**
 * Provider generators at volume: N generations of `fal-nano-banana` submitted through GraphQL
 * (`createGeneration`, concurrent batches, as a client would) against a fake fal whose jobs each
 * take D ms, with one job worker. Printed, not asserted:
 *  - wall time from the first submit to the last COMPLETED, and its ratio to one job's D
 *    (the goal is ≤ 1.5×), next to what holding a worker slot per job would take (N / concurrency × D);
 *  - the worker's RSS, peak of 100 ms samples: by default the API and the worker share this
 *    process (as with BOARDS_WORKER_IN_PROCESS), so that is this process's RSS; with
 *    --worker-process the worker is src/worker.ts in a child process and its RSS is its own;
 *  - SQL statements per generation: API submit, webhook handling, the worker's task queries and
 *    graphile-worker's own (every statement on the API's and the worker's pools); with
 *    --worker-process only the API's side can be counted (pg_stat_statements is not assumed);
 *  - webhook sent → COMPLETED latency p50/p95 (the fake's send time to the row's completed_at);
 *  - how long each task held a worker slot, and the process's event-loop delay.
 * A second, smaller run follows with polling only (no BOARDS_PUBLIC_URL, so no webhooks).
 *
 *   npm run bench providers
 *   npm run bench providers -- --count 100 --delay 5000 --polling-count 0 [--worker-process]
 *   (or BENCH_COUNT, BENCH_DELAY_MS, BENCH_BATCH, BENCH_POLLING_COUNT, BENCH_WORKER_PROCESS=1;
 *   worker concurrency from BOARDS_WORKER_CONCURRENCY, default 4)
 *
 * Uses a throwaway database `boards_bench_providers` and drops it afterwards. Worker timings
 * are the production defaults (not the tests' fast ones), since poll scheduling depends on them.
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Job } from "graphile-worker";
import { createPool } from "../src/db.js";
import { startWorker } from "../src/jobs/startWorker.js";
import { startFalFake, type FalFake } from "../tests/fakes/falFake.js";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { launchServer, localStorageDir, TEST_JWT_SECRET, type TestServer } from "../tests/helpers/launch.js";
import { startMainProcess } from "../tests/helpers/mainProcess.js";
import { countStatements } from "../tests/helpers/statements.js";
import { formatMs, percentile } from "./stats.js";

const { values: args } = parseArgs({
  args: process.argv.slice(3),
  options: {
    count: { type: "string" },
    delay: { type: "string" },
    batch: { type: "string" },
    "polling-count": { type: "string" },
    "worker-process": { type: "boolean" },
  },
});
const COUNT = Number(args.count ?? process.env.BENCH_COUNT ?? 500);
const DELAY_MS = Number(args.delay ?? process.env.BENCH_DELAY_MS ?? 20_000);
const BATCH = Number(args.batch ?? process.env.BENCH_BATCH ?? 50);
const POLLING_COUNT = Number(args["polling-count"] ?? process.env.BENCH_POLLING_COUNT ?? Math.min(COUNT, 100));
const WORKER_PROCESS = args["worker-process"] ?? process.env.BENCH_WORKER_PROCESS === "1";
const REDIS_URL = process.env.BOARDS_REDIS_URL || process.env.REDIS_URL || "redis://127.0.0.1:6379";
const CONCURRENCY = process.env.BOARDS_WORKER_CONCURRENCY ?? "4";
const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const CREATE = `mutation($b: UUID!, $p: JSON!) { createGeneration(input: { boardId: $b, generatorName: "fal-nano-banana", artifactType: IMAGE, inputParams: $p }) { id } }`;
const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"];

type Scenario = { name: string; count: number; webhooks: boolean };
type Row = { id: string; status: string; external_job_id: string | null; completed_at: Date | null; created_at: Date; error_message: string | null };

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const p50p95 = (samples: number[]) => `p50 ${formatMs(percentile(samples, 50))}  p95 ${formatMs(percentile(samples, 95))}  max ${formatMs(Math.max(...samples))}`;

/** Peak of `sample()` (bytes), sampled every 100 ms while `run` executes. */
async function peakOf<T>(sample: () => number, run: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = sample();
  const timer = setInterval(() => (peak = Math.max(peak, sample())), 100);
  try {
    const result = await run();
    return { result, peak: Math.max(peak, sample()) };
  } finally {
    clearInterval(timer);
  }
}

/** Resident set size of another process, from /proc (Linux), in bytes; 0 once it is gone. */
function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Submits `count` generations through the API, `BATCH` requests in flight at a time. */
async function submitAll(server: TestServer, auth: { token: string; tenant: string }, boardId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, async (_, k) => {
      const result = await server.gql<{ createGeneration: { id: string } }>(CREATE, { b: boardId, p: { prompt: `bench ${start + k}`, num_images: 1 } }, auth);
      if (!result.data?.createGeneration) throw new Error(`submit failed: ${JSON.stringify(result.errors)}`);
      return result.data.createGeneration.id;
    });
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

/** Per task: how long each job held a worker slot, and (jobs due at once) how long it waited for one. */
type TaskTimes = Map<string, { held: number[]; waited: number[] }>;

/** The job worker under test, in this process or in a process of its own. */
type BenchWorker = {
  description: string;
  /** Runs `run`, counting the statements on the worker's own pool (null: not countable from here). */
  count(run: () => Promise<void>): Promise<number | null>;
  rss(): number;
  tasks(): TaskTimes;
  stop(): Promise<void>;
};

/** The worker as launchServer starts it, but on a pool of our own so its statements are counted too. */
async function inProcessWorker(server: TestServer): Promise<BenchWorker> {
  const pool = createPool(server.env.databaseUrl, server.env.worker.concurrency + 2);
  const worker = await startWorker({ ...server.runtime, pgPool: pool }, server.env.worker);
  const tasks: TaskTimes = new Map();
  const startedAt = new Map<string, number>();
  worker.runner.events.on("job:start", ({ job }: { job: Job }) => startedAt.set(job.id, Date.now()));
  worker.runner.events.on("job:complete", ({ job }: { job: Job }) => {
    const start = startedAt.get(job.id);
    if (start === undefined) return;
    const entry = tasks.get(job.task_identifier) ?? { held: [], waited: [] };
    entry.held.push(Date.now() - start);
    // run_at is the enqueue time for a job due at once; scheduled polls' waits are by design.
    entry.waited.push(Math.max(0, start - new Date(job.run_at).getTime()));
    tasks.set(job.task_identifier, entry);
  });
  return {
    description: "API, worker and fake fal in this one process (as with BOARDS_WORKER_IN_PROCESS)",
    count: (run) => countStatements(pool, run),
    rss: () => process.memoryUsage.rss(),
    tasks: () => tasks,
    async stop() {
      await worker.stop();
      await pool.end();
    },
  };
}

/** `src/worker.ts` as deployed, in a child process; its slot times come from its "job finished" log lines. */
async function childWorker(server: TestServer, env: Record<string, string>): Promise<BenchWorker> {
  const worker = startMainProcess(
    {
      ...env,
      BOARDS_DATABASE_URL: server.env.databaseUrl,
      BOARDS_STORAGE_LOCAL_BASE_PATH: localStorageDir(server.env),
      BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: `${server.url}/api/storage`,
      BOARDS_AUTH_PROVIDER: "jwt",
      BOARDS_JWT_SECRET: TEST_JWT_SECRET,
      BOARDS_LOG_LEVEL: "info",
    },
    "src/worker.ts",
  );
  await worker.waitForLog((l) => l.msg === "worker started");
  return {
    description: "API and fake fal in this process, the worker (src/worker.ts) in a process of its own",
    count: async (run) => {
      await run();
      return null;
    },
    rss: () => rssOf(worker.child.pid!),
    tasks() {
      const tasks: TaskTimes = new Map();
      for (const line of worker.logs) {
        if (line.msg !== "job finished" || typeof line.task !== "string") continue;
        const entry = tasks.get(line.task) ?? { held: [], waited: [] };
        entry.held.push(Number(line.durationMs));
        tasks.set(line.task, entry);
      }
      return tasks;
    },
    async stop() {
      worker.child.kill("SIGTERM");
      await worker.exited;
    },
  };
}

type Outcome = {
  rows: Row[];
  worker: string;
  tasks: TaskTimes;
  /** Event-loop delay of this process during the run, ms. */
  loopDelay: { p50: number; p99: number; max: number };
  fal: FalFake;
  t0: number;
  submitMs: number;
  apiStatements: number;
  workerStatements: number | null;
  rssBefore: number;
  rssPeak: number;
  boardRows: number;
};

/** One run: a fresh API + worker and fake fal; submits, waits for every generation to settle. */
async function runScenario(databaseUrl: string, scenario: Scenario): Promise<Outcome> {
  const fal = await startFalFake({ delayMs: DELAY_MS, apiKey: "bench-fal-key", webhook: scenario.webhooks ? "once" : "none" });
  // One image, as fal returns for num_images 1 (the recorded result has two).
  fal.options.result = { images: [{ url: `${fal.url}/files/image-0.png`, content_type: "image/png", width: 64, height: 48 }], description: "" };
  const env = {
    FAL_KEY: "bench-fal-key",
    BOARDS_PROVIDER_ENDPOINTS: JSON.stringify({ fal: fal.url }),
    BOARDS_WORKER_CONCURRENCY: CONCURRENCY,
    // Production timings, not the tests' fast ones: poll scheduling depends on them.
    BOARDS_WORKER_POLL_INTERVAL_MS: "1000",
    BOARDS_WORKER_HEARTBEAT_SECONDS: "10",
    BOARDS_WORKER_DEAD_AFTER_SECONDS: "60",
    BOARDS_WORKER_CANCEL_CHECK_MS: "2000",
    BOARDS_DATABASE_POOL_SIZE: "10",
    ...(WORKER_PROCESS ? { BOARDS_REDIS_URL: REDIS_URL } : {}),
  };
  const server = await launchServer(databaseUrl, {
    ...env,
    BOARDS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "silent",
    ...(scenario.webhooks ? { BOARDS_PUBLIC_URL: "{url}" } : {}),
  });
  let worker: BenchWorker | undefined;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  // Watching for completion must not count among the system's statements.
  const observer = createPool(databaseUrl, 2);
  try {
    worker = WORKER_PROCESS ? await childWorker(server, { ...env, ...(scenario.webhooks ? { BOARDS_PUBLIC_URL: server.url } : {}) }) : await inProcessWorker(server);
    const tenant = `bench-${Date.now().toString(36)}`;
    const auth = { token: await signToken({ sub: `bench-${tenant}` }), tenant };
    const board = await server.gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "providers" }) { id } }`, {}, auth);
    const boardId = board.data!.createBoard.id;
    const rssBefore = worker.rss();

    let t0 = 0;
    let submitMs = 0;
    let workerStatements: number | null = null;
    let rows: Row[] = [];
    loop.enable();
    const w = worker;
    const measured = await peakOf(w.rss, () =>
      countStatements(server.pool, async () => {
        workerStatements = await w.count(async () => {
          t0 = Date.now();
          const started = performance.now();
          const ids = await submitAll(server, auth, boardId, scenario.count);
          submitMs = performance.now() - started;
          const deadline = Date.now() + DELAY_MS * 3 + scenario.count * 1000 + 60_000;
          for (;;) {
            rows = (
              await observer.query<Row>(`SELECT id, upper(status::text) AS status, external_job_id, completed_at, created_at, error_message FROM generations WHERE id = ANY($1::uuid[])`, [ids])
            ).rows;
            if (rows.filter((r) => TERMINAL.includes(r.status)).length >= ids.length) break;
            if (Date.now() > deadline) throw new Error(`gave up waiting; statuses: ${JSON.stringify(rows.map((r) => r.status))}`);
            await new Promise((r) => setTimeout(r, 200));
          }
        });
      }),
    );
    loop.disable();
    const loopDelay = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    const boardRows = (await observer.query<{ n: number }>(`SELECT count(*)::int AS n FROM generations WHERE board_id = $1`, [boardId])).rows[0]!.n;
    const summary = { worker: worker.description, tasks: worker.tasks(), loopDelay, fal, t0, submitMs, rssBefore, rssPeak: measured.peak, boardRows };
    return { ...summary, rows, apiStatements: measured.result, workerStatements };
  } finally {
    loop.disable();
    await observer.end();
    await worker?.stop();
    await server.close();
    await fal.close();
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function report(scenario: Scenario, o: Outcome) {
  const completed = o.rows.filter((r) => r.status === "COMPLETED");
  const failed = o.rows.filter((r) => r.status !== "COMPLETED");
  const lastDone = Math.max(...completed.map((r) => r.completed_at!.getTime()));
  const wall = lastDone - o.t0;
  const concurrency = Number(CONCURRENCY);
  const perGeneration = (n: number) => (n / scenario.count).toFixed(1);
  const requests = (test: (r: FalFake["requests"][number]) => boolean) => o.fal.requests.filter(test).length;
  const statusCalls = requests((r) => r.method === "GET" && r.path.endsWith("/status"));
  const resultCalls = requests((r) => r.method === "GET" && /\/requests\/[^/]+$/.test(r.path));

  console.log(`\n${scenario.name}: ${scenario.count} × fal-nano-banana, fake fal job ${seconds(DELAY_MS)}, one worker × ${concurrency}`);
  console.log(`  settled:                                   ${completed.length} COMPLETED, ${failed.length} not${failed[0] ? ` (first: ${failed[0].status} ${failed[0].error_message ?? ""})` : ""}; ${o.boardRows} generation rows on the board`);
  console.log(`  submitting (GraphQL, ${BATCH} in flight):          ${seconds(o.submitMs)}`);
  console.log(`  first submit → all COMPLETED:              ${seconds(wall)}  = ${(wall / DELAY_MS).toFixed(2)}× one job's ${seconds(DELAY_MS)} (goal ≤ 1.50×)`);
  console.log(`  a worker slot held per job would need:     ${scenario.count} / ${concurrency} × ${seconds(DELAY_MS)} = ${seconds((scenario.count / concurrency) * DELAY_MS)}`);
  const latency = completed.map((r) => r.completed_at!.getTime() - r.created_at.getTime());
  console.log(`  createGeneration → COMPLETED, per job:     ${p50p95(latency)}`);
  if (scenario.webhooks) {
    const sent = new Map<string, number>();
    for (const d of o.fal.deliveries) if (!sent.has(d.requestId)) sent.set(d.requestId, d.at);
    const afterWebhook: number[] = [];
    let beforeWebhook = 0;
    for (const r of completed) {
      const at = r.external_job_id ? sent.get(r.external_job_id) : undefined;
      if (at === undefined) continue;
      const ms = r.completed_at!.getTime() - at;
      if (ms < 0) beforeWebhook += 1;
      else afterWebhook.push(ms);
    }
    const statuses = new Map<number, number>();
    for (const d of o.fal.deliveries) statuses.set(d.status, (statuses.get(d.status) ?? 0) + 1);
    console.log(`  webhook sent → COMPLETED:                  ${p50p95(afterWebhook)}  (${afterWebhook.length} jobs; ${beforeWebhook} completed by a poll before their webhook was sent)`);
    console.log(`  webhook answers:                           ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(", ")}`);
  }
  console.log(`  fal calls per generation:                  ${(statusCalls / scenario.count).toFixed(2)} status, ${(resultCalls / scenario.count).toFixed(2)} result`);
  if (o.workerStatements === null) {
    console.log(`  SQL statements per generation (API only):  ${perGeneration(o.apiStatements)}  (submits and webhooks on the API's pool; the worker's process is not counted from here)`);
  } else {
    console.log(
      `  SQL statements per generation:             ${perGeneration(o.apiStatements + o.workerStatements)}  (all of API submit, webhook handling and the worker: ` +
        `${perGeneration(o.apiStatements)} on the shared Prisma pool — submits, webhooks, tasks' queries; ${perGeneration(o.workerStatements)} on graphile-worker's pool — job fetch/complete)`,
    );
  }
  for (const [task, t] of o.tasks) {
    const total = t.held.reduce((a, b) => a + b, 0);
    console.log(
      `  ${`${task} slot held (${t.held.length} jobs):`.padEnd(42)} ${p50p95(t.held)}  total ${seconds(total)} = ${seconds(total / concurrency)} of ${concurrency} slots` +
        (task === "run_generation" && t.waited.length ? `; queued → started p50 ${formatMs(percentile(t.waited, 50))} p95 ${formatMs(percentile(t.waited, 95))}` : ""),
    );
  }
  console.log(`  event-loop delay of this process:          p50 ${formatMs(o.loopDelay.p50)}  p99 ${formatMs(o.loopDelay.p99)}  max ${formatMs(o.loopDelay.max)}`);
  console.log(`  worker RSS:                                ${mb(o.rssBefore)} before, ${mb(o.rssPeak)} peak (sampled every 100 ms; ${o.worker})`);
}

const database = await createMigratedDatabase(serverUrl, "boards_bench_providers");
try {
  console.log(`Provider generators benchmark against a fake fal on loopback; ${WORKER_PROCESS ? "the worker runs in a process of its own" : "the API and one worker run in this one process"}`);
  const webhooks: Scenario = { name: "With webhooks (BOARDS_PUBLIC_URL = the API's URL)", count: COUNT, webhooks: true };
  report(webhooks, await runScenario(database.url, webhooks));
  if (POLLING_COUNT > 0) {
    const polling: Scenario = { name: "Polling only (no BOARDS_PUBLIC_URL)", count: POLLING_COUNT, webhooks: false };
    report(polling, await runScenario(database.url, polling));
  }
} finally {
  await database.drop();
}
