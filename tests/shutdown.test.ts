/**
 * Deploys: a worker process stopped (SIGTERM) in the middle of a job hands the job back
 * without using one of its attempts and without logging an error, so any number of deploys
 * never fails a generation; an API process stopped while live streams are open ends each of
 * them with a proper completion, and a client that reconnects gets the current state first.
 *
 * The suite has a database of its own: its worker processes take no other suite's jobs, and
 * their sweeps touch no other suite's rows.
 */
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import {
  expectConsistentLifecycle,
  faultWorkspace,
  generationRow,
  jobsOf,
  pollUntil,
  submit,
  submitFlaky,
  suiteDatabase,
  waitForStatus,
  type FaultWorkspace,
  type LifecycleView,
} from "./helpers/faultHarness.js";
import { startWorkerProcess, workerEnvFor, type WorkerProcess } from "./helpers/faultWorker.js";
import { drain, errorsOf, openProgressStream, sseSubscribe, wsClient, type GqlEvent } from "./helpers/live.js";
import { startMainProcess, type LogLine, type MainProcess } from "./helpers/mainProcess.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";

const PINO_WARN = 40;
const HANDED_BACK = "job handed back: the worker is stopping";

let database: ThrowawayDatabase;
let workspace: FaultWorkspace;
let api: TestServer;
let owner: Actor;
let boardId: string;
const children: MainProcess[] = [];

beforeAll(async () => {
  database = await suiteDatabase("shutdown");
  workspace = await faultWorkspace();
  api = await startServer({
    BOARDS_DATABASE_URL: database.url,
    BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath,
    BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir,
  });
  owner = await (await newTenant(api)).user("owner");
  boardId = await createBoard(owner, { title: "Deploys" });
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill();
    await child.exited;
  }
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
  await workspace?.dispose();
});

/** Log lines from the shutdown on (the process's own "… shutting down" line and after). */
function linesFromShutdown(logs: LogLine[], shuttingDown: string): LogLine[] {
  const from = logs.findIndex((line) => line.msg === shuttingDown);
  expect(from, `no "${shuttingDown}" line`).toBeGreaterThanOrEqual(0);
  return logs.slice(from);
}

/** Lines at warn level or above, or carrying a stack trace. */
function noisy(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => (line.level ?? 0) >= PINO_WARN || /\\n\s+at |"stack"/.test(JSON.stringify(line)));
}

type JobState = { attempts: number; max_attempts: number; last_error: string | null; locked_by: string | null; runnable_now: boolean };

async function jobState(pool: pg.Pool, generationId: string): Promise<JobState[]> {
  const { rows } = await pool.query<JobState>(
    `SELECT attempts, max_attempts, last_error, locked_by, run_at <= now() AS runnable_now
       FROM graphile_worker._private_jobs WHERE key = 'generation:' || $1::text`,
    [generationId],
  );
  return rows;
}

describe("a worker process stopped in the middle of a job", () => {
  it(
    "hands the job back on each of three SIGTERMs without using an attempt or logging an error; a fourth worker completes the generation",
    async () => {
      // Run 1 fails for real (one attempt used); runs 2–4 hold until stopped; run 5 completes.
      const g = await submitFlaky(owner, boardId, { prompt: "deploys", fail_attempts: 1, hold_ms: 120_000, hold_attempts: 4 });
      expect((await jobState(api.pool, g.id))[0]).toMatchObject({ attempts: 0, max_attempts: 3 });
      const seen: LifecycleView[] = [];
      let progress: number;

      for (let deploy = 1; deploy <= 3; deploy++) {
        const worker: WorkerProcess = startWorkerProcess(workerEnvFor(api));
        children.push(worker);
        const run = deploy; // runs[0] is the real failure, in the first worker
        await pollUntil(() => workspace.record(g.id)?.runs[run]?.outcome, (o) => o === "stored", {
          tries: 300,
          what: `deploy ${deploy}: the worker process to run the job\n${worker.output()}`,
        });
        const running = await pollUntil(
          () => generationRow(api, g.id),
          (row) => row.status === "PROCESSING" && row.progress >= 20,
          { what: `deploy ${deploy}: progress of the running generation` },
        );
        seen.push(running);
        progress = running.progress;
        // The running attempt is the second one: one real failure, and the current run.
        const [locked] = await jobState(api.pool, g.id);
        expect(locked, `deploy ${deploy}: the running job`).toMatchObject({ attempts: 2, locked_by: expect.any(String) });
        expect(locked!.last_error).toContain("transient failure on attempt 1");

        worker.child.kill("SIGTERM");
        expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
        expect(workspace.record(g.id)?.runs[run]).toMatchObject({ pid: worker.pid, outcome: "aborted" });

        // Handed back: unlocked, runnable at once, the attempt not counted, the real error kept.
        const [released] = await jobState(api.pool, g.id);
        expect(released, `deploy ${deploy}: the released job`).toEqual({
          attempts: 1,
          max_attempts: 3,
          last_error: expect.stringContaining("transient failure on attempt 1") as unknown as string,
          locked_by: null,
          runnable_now: true,
        });
        expect(released!.last_error).not.toMatch(/shutting down|stopping/i);
        const queued = await generationRow(api, g.id);
        expect(queued).toMatchObject({ status: "PENDING", errorMessage: null, completedAt: null });
        expect(queued.progress).toBeGreaterThanOrEqual(progress);
        seen.push(queued);

        // Logged at info, without an error line or a stack trace.
        const shutdown = linesFromShutdown(worker.logs, "worker shutting down");
        expect(noisy(shutdown), `deploy ${deploy}: log lines of the shutdown`).toEqual([]);
        expect(shutdown.find((line) => line.msg === HANDED_BACK)).toMatchObject({ level: 30, generationId: g.id });
        expect(shutdown.map((line) => line.msg)).toContain("worker stopped");
      }

      const last = startWorkerProcess(workerEnvFor(api));
      children.push(last);
      const done = await waitForStatus(api, g.id, ["COMPLETED", "FAILED", "CANCELLED"], 300);
      expect(done).toMatchObject({ status: "COMPLETED", progress: 100, errorMessage: null, externalJobId: "flaky-attempt-5" });
      expect(done.outputMetadata).toMatchObject({ content: "deploys (attempt 5)" });
      expectConsistentLifecycle([...seen, done]);
      expect(workspace.record(g.id)?.runs.map((r) => r.outcome)).toEqual(["failed", "aborted", "aborted", "aborted", "done"]);
      await pollUntil(() => jobsOf(api.pool, g.id), (rows) => rows.length === 0, { what: "the job to be removed" });
    },
    180_000,
  );
});

const EVENT_FIELDS = "phase generation { id status progress errorMessage }";
type EventView = { phase: string; generation: { id: string; status: string; progress: number; errorMessage: string | null } };
type ProgressData = { generationProgress: EventView };
type BoardData = { boardGenerations: EventView };

/**
 * Reads the first result of a subscription, leaving it open (the stream is open on the server
 * once it arrives); fails after a bounded wait.
 */
async function first<T>(iterator: AsyncIterator<GqlEvent<T>>, what: string): Promise<GqlEvent<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 12_000)));
  try {
    const next = await Promise.race([iterator.next(), timeout]);
    if (next === "timeout") throw new Error(`no first result from ${what}`);
    expect(next.done, `${what} ended before its first result`).toBe(false);
    return next.value as GqlEvent<T>;
  } finally {
    clearTimeout(timer);
  }
}

describe("an API process stopped with live streams open", () => {
  it(
    "ends GraphQL over SSE, graphql-ws and the progress stream with a completion; a reconnecting client gets the current state first",
    async () => {
      const main = startMainProcess({
        BOARDS_ENVIRONMENT: "development",
        BOARDS_API_HOST: "127.0.0.1",
        BOARDS_API_PORT: "0",
        BOARDS_DATABASE_URL: database.url,
        BOARDS_DATABASE_POOL_SIZE: "3",
        BOARDS_AUTH_PROVIDER: "jwt",
        BOARDS_JWT_SECRET: TEST_JWT_SECRET,
        BOARDS_LOG_LEVEL: "info",
        BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath,
        BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir,
        BOARDS_WORKER_POLL_INTERVAL_MS: "200",
      });
      children.push(main);
      const port = (await main.waitForLog((line) => line.msg === "boards-server listening")).port as number;
      const target = { url: `http://127.0.0.1:${port}`, fetch: (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init) };

      // A slow generation, running in the API process's own worker when the process stops.
      const g = await submit(owner, {
        boardId,
        generatorName: "text-from-prompt",
        artifactType: "TEXT",
        inputParams: { prompt: "stay tuned", style: "echo", delay_ms: 100_000, progress_steps: 100 },
      });
      await pollUntil(() => generationRow(api, g.id), (row) => row.status === "PROCESSING" && row.progress > 0, {
        tries: 200,
        what: `the API process's worker to run the job\n${main.output()}`,
      });

      const headers = { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant };
      const progressQuery = `subscription($id: UUID!) { generationProgress(id: $id) { ${EVENT_FIELDS} } }`;
      const boardQuery = `subscription($boardId: UUID!) { boardGenerations(boardId: $boardId) { ${EVENT_FIELDS} } }`;
      const overSse = sseSubscribe<ProgressData>(target, headers, progressQuery, { id: g.id })[Symbol.asyncIterator]();
      const ws = wsClient(target, headers);
      try {
        const overWs = ws.iterate<ProgressData>({ query: progressQuery, variables: { id: g.id } })[Symbol.asyncIterator]();
        const boardOverWs = ws.iterate<BoardData>({ query: boardQuery, variables: { boardId } })[Symbol.asyncIterator]();
        const stream = await openProgressStream(target, g.id, headers);
        expect(stream.status).toBe(200);

        expect((await first(overSse, "GraphQL over SSE")).data?.generationProgress.generation).toMatchObject({ id: g.id, status: "PROCESSING" });
        expect((await first(overWs, "graphql-ws")).data?.generationProgress.generation).toMatchObject({ id: g.id, status: "PROCESSING" });
        await stream.waitUntil(() => stream.payloads.length > 0, "the progress stream's current state");
        expect(stream.payloads[0]).toMatchObject({ job_id: g.id, status: "processing" });
        // The board stream sends no current state: wait for the next progress event on it.
        expect((await first(boardOverWs, "graphql-ws board stream")).data?.boardGenerations.generation).toMatchObject({ id: g.id });

        main.child.kill("SIGTERM");
        const [sse, wsProgress, wsBoard] = await Promise.all([drain(overSse), drain(overWs), drain(boardOverWs)]);
        for (const [label, drained] of [
          ["GraphQL over SSE", sse],
          ["graphql-ws generationProgress", wsProgress],
          ["graphql-ws boardGenerations", wsBoard],
        ] as const) {
          expect(drained.thrown, `${label}: thrown`).toBeUndefined();
          expect(errorsOf(drained), `${label}: errors`).toEqual([]);
          expect(drained.completed, `${label}: completed`).toBe(true);
        }
        await stream.waitUntil(() => stream.closed(), "the progress stream to end");
        expect(stream.frames.filter((f) => f.kind === "comment" && f.text.startsWith("READ ERROR"))).toEqual([]);

        expect(await main.exited, main.output()).toEqual({ code: 0, signal: null });
        const shutdown = linesFromShutdown(main.logs, "shutting down");
        expect(noisy(shutdown), "log lines of the shutdown").toEqual([]);
        expect(shutdown.find((line) => line.msg === HANDED_BACK)).toMatchObject({ level: 30, generationId: g.id });
        expect(shutdown.map((line) => line.msg)).toContain("stopped");
      } finally {
        await ws.dispose();
      }

      // Reconnecting (to another API process): the current state comes first.
      const current = await generationRow(api, g.id);
      expect(current).toMatchObject({ status: "PENDING", errorMessage: null });
      const again = await openProgressStream(api, g.id, headers);
      try {
        await again.waitUntil(() => again.payloads.length > 0, "the current state after reconnecting");
        expect(again.payloads[0]).toMatchObject({ job_id: g.id, status: "pending", progress: current.progress, phase: "queued" });
      } finally {
        again.close();
      }
      const resubscribed = sseSubscribe<ProgressData>(api, headers, progressQuery, { id: g.id })[Symbol.asyncIterator]();
      const state = await first(resubscribed, "GraphQL over SSE after reconnecting");
      await resubscribed.return?.();
      expect(state.data?.generationProgress).toEqual({
        phase: "queued",
        generation: { id: g.id, status: "PENDING", progress: current.progress, errorMessage: null },
      });
    },
    120_000,
  );
});
