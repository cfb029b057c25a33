/**
 * Job pipeline figures on this machine:
 *  1. submit → worker-start latency (p50/p95/p99) through the GraphQL mutation, next to
 *     graphile-worker's bare add_job → task-start latency measured in the same run (the ratio):
 *     once with client, API and worker in this one process, once with the server (API and its
 *     worker, or bare graphile-worker) in a process of its own;
 *  2. submit → COMPLETED latency with the instant image generator;
 *  3. sustained generations per second with 2 worker processes;
 *  4. worker-publish → subscriber-receipt latency (p50/p95) with 1,000 open SSE subscriptions.
 *
 *   npm run bench jobs
 *   BENCH_SAMPLES=300 BENCH_THROUGHPUT=600 BENCH_SUBSCRIBERS=1000 npm run bench jobs
 *
 * Uses a throwaway database `boards_bench_jobs` and Redis (BOARDS_REDIS_URL, default local) for
 * the cross-process parts; drops the database afterwards.
 */
import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { makeWorkerUtils, type Job } from "graphile-worker";
import { createPool } from "../src/db.js";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { launchServer, postGraphql, type TestServer } from "../tests/helpers/launch.js";
import { startCommand, startMainProcess, type MainProcess } from "../tests/helpers/mainProcess.js";
import { SERVER_NODE_FLAGS } from "../scripts/serverNodeFlags.js";
import { runBareWorker } from "./bareWorker.js";
import { formatMs, percentile } from "./stats.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const WARMUP = 50;
const THROUGHPUT_JOBS = Number(process.env.BENCH_THROUGHPUT ?? 600);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const REDIS_URL = process.env.BOARDS_REDIS_URL || process.env.REDIS_URL || "redis://127.0.0.1:6379";
const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const summary = (samples: number[]) =>
  `p50 ${formatMs(percentile(samples, 50))}  p95 ${formatMs(percentile(samples, 95))}  p99 ${formatMs(percentile(samples, 99))}`;

const CREATE = `mutation($b: UUID!, $p: JSON!) { createGeneration(input: { boardId: $b, generatorName: "image-from-prompt", artifactType: IMAGE, inputParams: $p }) { id } }`;
const INSTANT = { prompt: "bench", width: 16, height: 16, progress_steps: 0 };

/** Bare graphile-worker: serial add_job → task start, as its own latency test does. */
async function bareGraphileLatency(databaseUrl: string): Promise<number[]> {
  const pool = createPool(databaseUrl, 6);
  const waiting = new Map<string, (t: number) => void>();
  const runner = await runBareWorker(pool, async (payload) => waiting.get((payload as { id: string }).id)?.(performance.now()));
  const utils = await makeWorkerUtils({ pgPool: pool });
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const id = String(i);
    const started = new Promise<number>((resolve) => waiting.set(id, resolve));
    const t0 = performance.now();
    await utils.addJob("bench_noop", { id });
    const t1 = await started;
    if (i >= WARMUP) samples.push(t1 - t0);
  }
  await runner.stop();
  await utils.release();
  await pool.end();
  return samples;
}

/** hrtime of this process, in ms (the system's monotonic clock, shared with the server's process). */
const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Client and server in different processes, as deployed: the server process (bench/jobsProcess.ts)
 * reports each job's start on the monotonic clock both processes share. Serial, like the
 * in-process figures, and each sample waits for its job to complete, for bare graphile-worker
 * as for boards-server. `send` enqueues sample `i` and returns the id the server will report.
 */
async function crossProcessLatency(mode: "boards" | "bare", databaseUrl: string, storageDir: string, send: (i: number, url: string) => Promise<string>) {
  const child = startCommand([process.execPath, ...SERVER_NODE_FLAGS, "--import", "tsx", "bench/jobsProcess.ts", mode], {
    BENCH_DATABASE_URL: databaseUrl,
    BENCH_STORAGE_DIR: storageDir,
  });
  try {
    const ready = await child.waitForLog((l) => l.ready !== undefined);
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const t0 = now();
      const id = await send(i, String(ready.ready));
      const start = await child.waitForLog((l) => l.start === id);
      await child.waitForLog((l) => l.complete === id);
      if (i >= WARMUP) samples.push(Number(BigInt(start.at as string)) / 1e6 - t0);
    }
    return samples;
  } finally {
    child.child.kill("SIGTERM");
    await child.exited;
  }
}

type Setup = { server: TestServer; token: string; tenant: string; boardId: string };

async function signedInBoard(server: TestServer): Promise<Setup> {
  const tenant = `bench-${Date.now().toString(36)}`;
  const token = await signToken({ sub: `bench-${tenant}` });
  const created = await server.gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "bench" }) { id } }`, {}, { token, tenant });
  return { server, token, tenant, boardId: created.data!.createBoard.id };
}

async function submit(s: Setup): Promise<string> {
  const result = await s.server.gql<{ createGeneration: { id: string } }>(CREATE, { b: s.boardId, p: INSTANT }, { token: s.token, tenant: s.tenant });
  if (!result.data?.createGeneration) throw new Error(`submit failed: ${JSON.stringify(result.errors)}`);
  return result.data.createGeneration.id;
}

/** Through the API: mutation sent → task started, and mutation sent → COMPLETED published. */
async function pipelineLatency(databaseUrl: string, storageDir: string) {
  const server = await launchServer(databaseUrl, { BOARDS_LOG_LEVEL: "silent", BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir }, { worker: true });
  const s = await signedInBoard(server);
  const starts = new Map<string, (t: number) => void>();
  const pendingStarts = new Map<string, number>();
  server.worker!.runner.events.on("job:start", ({ job }: { job: Job }) => {
    const id = (job.payload as { generationId?: string }).generationId;
    if (!id) return;
    const t = performance.now();
    const resolve = starts.get(id);
    if (resolve) resolve(t);
    else pendingStarts.set(id, t);
  });
  const toStart: number[] = [];
  const toComplete: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const t0 = performance.now();
    // Job ids are unknown until the mutation returns, so a start that beats the response is parked.
    const id = await submit(s);
    const tStart = pendingStarts.get(id) ?? (await new Promise<number>((resolve) => starts.set(id, resolve)));
    const subscription = await server.runtime.events.subscribe("generation", id);
    const current = await server.prisma.generation.findUniqueOrThrow({ where: { id }, select: { status: true, completedAt: true } });
    let tDone = performance.now();
    if (current.status !== "COMPLETED") {
      for await (const event of subscription.events) {
        if (event.generation.status === "COMPLETED") {
          tDone = performance.now();
          break;
        }
      }
    }
    subscription.close();
    if (i >= WARMUP) {
      toStart.push(tStart - t0);
      toComplete.push(tDone - t0);
    }
  }
  await server.close();
  return { toStart, toComplete };
}

/** Two worker processes draining a burst of generations submitted through one API server. */
async function throughput(databaseUrl: string, storageDir: string) {
  const server = await launchServer(databaseUrl, { BOARDS_LOG_LEVEL: "silent", BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir, BOARDS_REDIS_URL: REDIS_URL });
  const workers: MainProcess[] = [0, 1].map(() =>
    startMainProcess(
      {
        BOARDS_DATABASE_URL: databaseUrl,
        BOARDS_REDIS_URL: REDIS_URL,
        BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
        BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: `${server.url}/api/storage`,
        BOARDS_AUTH_PROVIDER: "jwt",
        BOARDS_JWT_SECRET: "bench-only",
        BOARDS_WORKER_CONCURRENCY: "4",
        BOARDS_LOG_LEVEL: "info",
      },
      "src/worker.ts",
    ),
  );
  try {
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.msg === "worker started")));
    const s = await signedInBoard(server);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < THROUGHPUT_JOBS) {
          next += 1;
          await submit(s);
        }
      }),
    );
    const submitted = performance.now();
    for (;;) {
      const done = await server.prisma.generation.count({ where: { boardId: s.boardId, status: "COMPLETED" } });
      if (done >= THROUGHPUT_JOBS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    return { perSecond: THROUGHPUT_JOBS / seconds, seconds, submitSeconds: (submitted - t0) / 1000 };
  } finally {
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited));
    await server.close();
  }
}

/** Opens one SSE stream; reports its first event, then each progress event's publish → receipt delay. */
function openSse(url: string, headers: Record<string, string>, onDelay: (ms: number) => void, onFirst: () => void): Promise<void> {
  let first = true;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, accept: "text/event-stream" }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE status ${res.statusCode}`));
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith("data: ")) continue;
          const event = JSON.parse(block.slice(6)) as { timestamp: string; phase: string };
          if (first) {
            first = false;
            onFirst();
          } else if (event.phase === "processing") {
            onDelay(Date.now() - Date.parse(event.timestamp));
          }
        }
      });
      res.on("end", resolve);
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * 1,000 SSE subscribers on 10 generations. The API and a worker run in processes of their own;
 * every subscriber is connected (and has its first event) before the worker starts, so the
 * figure is steady-state delivery rather than connection set-up.
 */
async function fanOut(databaseUrl: string, storageDir: string) {
  const common = {
    BOARDS_DATABASE_URL: databaseUrl,
    BOARDS_REDIS_URL: REDIS_URL,
    BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: "bench-only",
    BOARDS_LOG_LEVEL: "info",
  };
  // One user holds all the subscriptions here: lift the per-user quota (100) above them.
  const api = startMainProcess({
    ...common,
    BOARDS_API_PORT: "0",
    BOARDS_API_HOST: "127.0.0.1",
    BOARDS_WORKER_IN_PROCESS: "false",
    BOARDS_MAX_SUBSCRIPTIONS_PER_USER: String(SUBSCRIBERS + 10),
  });
  let worker: MainProcess | undefined;
  try {
    const listening = await api.waitForLog((l) => l.msg === "boards-server listening");
    const url = `http://127.0.0.1:${String(listening.port)}`;
    const tenant = `fan-${Date.now().toString(36)}`;
    const token = await signToken({ sub: `fan-${tenant}`, secret: "bench-only" });
    const headers = { authorization: `Bearer ${token}`, "x-tenant": tenant, "content-type": "application/json" };
    const gql = async <T>(query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
      return ((await response.json()) as { data: T }).data;
    };
    const board = await gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "fan" }) { id } }`, {});
    // Ten generations that will each report progress ten times over a few seconds.
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const g = await gql<{ createGeneration: { id: string } }>(CREATE, {
        b: board.createBoard.id,
        p: { prompt: `fan ${i}`, width: 16, height: 16, delay_ms: 3000, progress_steps: 10 },
      });
      ids.push(g.createGeneration.id);
    }
    const delays: number[] = [];
    let connected = 0;
    let allConnected!: () => void;
    const ready = new Promise<void>((resolve) => (allConnected = resolve));
    const streams = Array.from({ length: SUBSCRIBERS }, (_, i) =>
      openSse(
        `${url}/api/sse/generations/${ids[i % ids.length]}/progress`,
        headers,
        (ms) => delays.push(ms),
        () => ++connected === SUBSCRIBERS && allConnected(),
      ),
    );
    await ready;
    worker = startMainProcess({ ...common, BOARDS_WORKER_CONCURRENCY: "10" }, "src/worker.ts");
    await Promise.all(streams);
    return { delays, subscribers: SUBSCRIBERS };
  } finally {
    worker?.child.kill("SIGTERM");
    await worker?.exited;
    api.child.kill("SIGTERM");
    await api.exited;
  }
}

const database = await createMigratedDatabase(serverUrl, "boards_bench_jobs");
const storageDir = await mkdtemp(join(tmpdir(), "boards-bench-"));
try {
  console.log(`Job pipeline benchmark (${SAMPLES} serial samples after ${WARMUP} warm-up)\n`);
  const bare = await bareGraphileLatency(database.url);
  console.log(`graphile-worker add_job → task start (bare):      ${summary(bare)}`);
  const { toStart, toComplete } = await pipelineLatency(database.url, storageDir);
  console.log(`createGeneration (HTTP) → task start:              ${summary(toStart)}`);
  console.log(`  ratio to bare graphile-worker:                   p50 ${(percentile(toStart, 50) / percentile(bare, 50)).toFixed(2)}×  p95 ${(percentile(toStart, 95) / percentile(bare, 95)).toFixed(2)}×`);
  console.log(`createGeneration (HTTP) → COMPLETED (instant):     ${summary(toComplete)}`);

  const utils = await makeWorkerUtils({ connectionString: database.url });
  const bareApart = await crossProcessLatency("bare", database.url, storageDir, async (i) => {
    await utils.addJob("bench_noop", { id: `apart-${i}` });
    return `apart-${i}`;
  });
  await utils.release();
  const token = await signToken({ sub: "bench-apart" });
  let boardId: string | undefined;
  const boardsApart = await crossProcessLatency("boards", database.url, storageDir, async (_i, url) => {
    const options = { token, tenant: "bench-apart" };
    boardId ??= (await postGraphql<{ createBoard: { id: string } }>(url, `mutation { createBoard(input: { title: "apart" }) { id } }`, {}, options)).data!.createBoard.id;
    const result = await postGraphql<{ createGeneration: { id: string } }>(url, CREATE, { b: boardId, p: INSTANT }, options);
    if (!result.data?.createGeneration) throw new Error(`submit failed: ${JSON.stringify(result.errors)}`);
    return result.data.createGeneration.id;
  });
  console.log(`\nClient and server in separate processes (the server's worker in its process, as npm start runs it):`);
  console.log(`graphile-worker add_job → task start (bare):      ${summary(bareApart)}`);
  console.log(`createGeneration (HTTP) → task start:              ${summary(boardsApart)}`);
  console.log(`  ratio to bare graphile-worker:                   p50 ${(percentile(boardsApart, 50) / percentile(bareApart, 50)).toFixed(2)}×  p95 ${(percentile(boardsApart, 95) / percentile(bareApart, 95)).toFixed(2)}×`);

  const t = await throughput(database.url, storageDir);
  console.log(`\nSustained throughput, 2 worker processes × 4:     ${t.perSecond.toFixed(1)} generations/s (${THROUGHPUT_JOBS} in ${t.seconds.toFixed(2)} s; submitting took ${t.submitSeconds.toFixed(2)} s)`);

  const f = await fanOut(database.url, storageDir);
  console.log(
    `\nSSE fan-out, ${f.subscribers} open subscriptions: worker publish → receipt p50 ${formatMs(percentile(f.delays, 50))}  p95 ${formatMs(percentile(f.delays, 95))}  (${f.delays.length} deliveries; ms clock)`,
  );
} finally {
  await rm(storageDir, { recursive: true, force: true });
  await database.drop();
}
