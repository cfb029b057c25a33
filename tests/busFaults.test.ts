/**
 * The event bus failing under running processes: a Redis of the suite's own is stopped and
 * restarted while generations run and subscribers watch. Publishing never blocks a mutation or
 * a job (the rows in Postgres stay the truth), open subscribers are told the stream was
 * interrupted, and subscribing again starts with the current state.
 *
 * The suite has a database of its own, so no worker of another suite takes its jobs.
 */
import type { Client as WsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { faultWorkspace, filesUnder, generationRow, jobsOf, pollUntil, sleep, submitFlaky, suiteDatabase, waitForStatus, type FaultWorkspace } from "./helpers/faultHarness.js";
import { drain, errorsOf, openProgressStream, wsClient, type Drained, type GqlEvent } from "./helpers/live.js";
import { redisServerBinary, startPrivateRedis, type PrivateRedis } from "./helpers/redisServer.js";
import { postGraphql } from "./helpers/launch.js";
import { startMainProcess, type MainProcess } from "./helpers/mainProcess.js";
import { startWorkerProcess, workerEnvFor } from "./helpers/faultWorker.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";

const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"];
const INTERRUPTED_CODE = "SERVICE_UNAVAILABLE";

const EVENT_FIELDS = "phase generation { id status progress storageUrl }";
const PROGRESS = `subscription($id: UUID!) { generationProgress(id: $id) { ${EVENT_FIELDS} } }`;
const BOARD = `subscription($boardId: UUID!) { boardGenerations(boardId: $boardId) { ${EVENT_FIELDS} } }`;

type EventView = { phase: string; generation: { id: string; status: string; progress: number; storageUrl: string | null } };
type ProgressData = { generationProgress: EventView };
type BoardData = { boardGenerations: EventView };

const redisBinary = redisServerBinary();
/** A suite title, saying why it is skipped when there is no redis-server to start and stop. */
const titled = (title: string) => (redisBinary.path !== null ? title : `${title} (skipped, needs a redis-server binary: ${redisBinary.missing})`);

let database: ThrowawayDatabase;
let workspace: FaultWorkspace;

beforeAll(async () => {
  database = await suiteDatabase("bus_faults");
  workspace = await faultWorkspace();
});

afterAll(async () => {
  await database?.drop();
  await workspace?.dispose();
});

const headersOf = (actor: Actor) => ({ authorization: `Bearer ${actor.token}`, "x-tenant": actor.tenant });
const wsParams = (actor: Actor) => ({ Authorization: `Bearer ${actor.token}`, "X-Tenant": actor.tenant });

type Collected<T> = { results: Array<GqlEvent<T>>; ended: Promise<Drained<T>> };

/** Reads an operation in the background until it ends (bounded); `results` grows meanwhile. */
function collect<T>(iterator: AsyncIterator<GqlEvent<T>>): Collected<T> {
  const results: Array<GqlEvent<T>> = [];
  const ended = (async (): Promise<Drained<T>> => {
    const timeout = sleep(60_000).then(() => "timeout" as const);
    for (;;) {
      let next: IteratorResult<GqlEvent<T>> | "timeout";
      try {
        next = await Promise.race([iterator.next(), timeout]);
      } catch (thrown) {
        return { results, completed: false, thrown };
      }
      if (next === "timeout") {
        void iterator.return?.();
        throw new Error(`operation did not end; received: ${JSON.stringify(results)}`);
      }
      if (next.done) return { results, completed: true };
      results.push(next.value);
    }
  })();
  ended.catch(() => undefined);
  return { results, ended };
}

/** Statuses of a drained generationProgress / boardGenerations operation, in order. */
const statusesOf = (drained: Drained<ProgressData>) => drained.results.map((r) => r.data?.generationProgress.generation.status);

describe.skipIf(!redisBinary.path)(
  titled("a Redis outage under one API and one worker"),
  () => {
    let redis: PrivateRedis;
    /** API with the worker in the same process. */
    let worker: TestServer;
    /** API without a worker: its events reach the worker's process only through Redis. */
    let api: TestServer;
    let owner: Actor;
    let ownerAtApi: Actor;
    let boardId: string;
    const clients: WsClient[] = [];
    const client = (actor: Actor) => {
      const c = wsClient(api, wsParams(actor));
      clients.push(c);
      return c;
    };

    /**
     * Waits until a board stream carries events: a board stream sends nothing before the first
     * change, so generations are submitted until one of them is seen (bounded).
     */
    async function boardStreamLive(stream: Collected<BoardData>): Promise<void> {
      for (let attempt = 0; attempt < 10; attempt++) {
        const g = await submitFlaky(ownerAtApi, boardId, { prompt: `probe ${attempt}` });
        await waitForStatus(worker, g.id, TERMINAL, 150);
        const seen = () => stream.results.some((r) => r.data?.boardGenerations.generation.id === g.id && r.data.boardGenerations.generation.status === "COMPLETED");
        if (seen()) return;
        // Events published just before may still be on their way.
        await sleep(300);
        if (seen()) return;
      }
      throw new Error(`the board stream carried no events: ${JSON.stringify(stream.results)}`);
    }

    beforeAll(async () => {
      redis = await startPrivateRedis(redisBinary.path!);
      const env = { BOARDS_DATABASE_URL: database.url, BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath, BOARDS_REDIS_URL: redis.url };
      worker = await startServer(env, { worker: true });
      api = await startServer(env);
      const tenant = await newTenant(worker);
      owner = await tenant.user("owner");
      ownerAtApi = await (await newTenant(api, tenant.slug)).user("owner");
      boardId = await createBoard(owner, { title: "Bus outage" });
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      await api?.close();
      await worker?.close();
      await redis?.dispose();
    });

    it(
      "blocks no mutation or job, tells open subscribers, and serves the current state on resubscription",
      async () => {
        // A generation that runs until it is cancelled, watched through both processes.
        const held = await submitFlaky(owner, boardId, { prompt: "held", hold_ms: 60_000 });
        await pollUntil(() => workspace.record(held.id)?.runs[0]?.outcome, (o) => o === "stored", { tries: 150, what: "the held run" });
        const progress = collect(client(ownerAtApi).iterate<ProgressData>({ query: PROGRESS, variables: { id: held.id } }));
        const board = collect(client(ownerAtApi).iterate<BoardData>({ query: BOARD, variables: { boardId } }));
        const sse = await openProgressStream(worker, held.id, headersOf(owner));
        expect(sse.status).toBe(200);
        await pollUntil(() => progress.results.length, (n) => n >= 1, { what: "the current state" });
        expect(progress.results[0]!.data?.generationProgress.generation.status).toBe("PROCESSING");
        await sse.waitUntil(() => sse.payloads.length >= 1, "the current state on SSE");
        await boardStreamLive(board);
        const progressWatch = progress.ended;
        const boardWatch = board.ended;

        await redis.stop();

        // Open subscribers are told: an error on GraphQL, the end of the stream on SSE.
        const interrupted = await progressWatch;
        expect(errorsOf(interrupted).map((e) => e.extensions?.code)).toEqual([INTERRUPTED_CODE]);
        const boardInterrupted = await boardWatch;
        expect(errorsOf(boardInterrupted).map((e) => e.extensions?.code)).toEqual([INTERRUPTED_CODE]);
        await sse.waitUntil(() => sse.closed(), "the progress stream to end");
        expect(sse.frames.filter((f) => f.kind === "comment" && f.text.startsWith("READ ERROR"))).toEqual([]);

        // /ready reports the bus.
        await pollUntil(
          async () => {
            const response = await api.fetch("/ready");
            return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
          },
          (r) => r.status === 503 && r.body.checks?.redis === "unreachable",
          { tries: 100, what: "/ready to report Redis" },
        );

        // A mutation answers, once; a whole job runs and completes.
        const during = await submitFlaky(ownerAtApi, boardId, { prompt: "during the outage" });
        const done = await waitForStatus(worker, during.id, TERMINAL, 150);
        expect(done).toMatchObject({ status: "COMPLETED", progress: 100 });
        expect(await worker.prisma.generation.count({ where: { boardId, inputParams: { path: ["prompt"], equals: "during the outage" } } })).toBe(1);

        // Cancelling still works (the worker learns of it from the database).
        const cancelled = await ownerAtApi.ok<{ cancelGeneration: { status: string } }>(
          `mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`,
          { id: held.id },
        );
        expect(cancelled.cancelGeneration.status).toBe("CANCELLED");
        await pollUntil(() => jobsOf(worker.pool, held.id), (rows) => rows.length === 0, { tries: 150, what: "the held job to end" });

        await redis.start();
        await pollUntil(async () => (await api.fetch("/ready")).status, (s) => s === 200, { tries: 150, what: "/ready once Redis is back" });

        // Subscribing again: the current state first, and the stream completes on a terminal one.
        const again = await drain(client(ownerAtApi).iterate<ProgressData>({ query: PROGRESS, variables: { id: held.id } }));
        expect(again.completed).toBe(true);
        expect(statusesOf(again)).toEqual(["CANCELLED"]);
        const sseAgain = await openProgressStream(api, during.id, headersOf(ownerAtApi));
        await sseAgain.waitUntil(() => sseAgain.closed(), "the progress stream of a finished generation to end");
        expect(sseAgain.payloads.map((p) => p.status)).toEqual(["completed"]);
        expect((sseAgain.payloads[0]!.artifacts as unknown[]).length).toBe(1);

        // Events flow between the processes again.
        await boardStreamLive(collect(client(ownerAtApi).iterate<BoardData>({ query: BOARD, variables: { boardId } })));
      },
      90_000,
    );
  },
);

/** A real API process (src/main.ts), reachable by the helpers of live.ts and actors.ts. */
type ApiProcess = Pick<TestServer, "url" | "fetch" | "gql">;

/** Starts an API process, adding it to `processes` at once (for cleanup) and resolving once it listens. */
async function startApiProcess(env: Record<string, string>, processes: MainProcess[]): Promise<ApiProcess> {
  const proc = startMainProcess({ ...env, BOARDS_API_HOST: "127.0.0.1", BOARDS_API_PORT: "0", BOARDS_WORKER_IN_PROCESS: "false" });
  processes.push(proc);
  const line = await proc.waitForLog((l) => l.msg === "boards-server listening");
  const url = `http://127.0.0.1:${String(line.port)}`;
  return { url, fetch: (path, init) => fetch(`${url}${path}`, init), gql: (query, variables, options) => postGraphql(url, query, variables, options) };
}

/**
 * What one subscriber sees when it follows the documented contract: subscribe; on an
 * interruption (SERVICE_UNAVAILABLE) subscribe again, which starts with the current state; stop
 * when the stream completes after a terminal state. Returns the last status seen and how often
 * it was interrupted.
 */
async function followGraphql(client: WsClient, id: string, first: string[]): Promise<{ final: string | undefined; interruptions: number }> {
  let interruptions = 0;
  for (let attempt = 0; attempt < 60; attempt++) {
    const drained = await drain(
      client.iterate<ProgressData>({ query: PROGRESS, variables: { id } }),
      // Notes the first state as it arrives, so the caller knows the subscription is live.
      {
        timeoutMs: 60_000,
        until: (results) => {
          if (results.length === 1) first.push(String(results[0]!.data?.generationProgress.generation.status));
          return false;
        },
      },
    );
    const statuses = statusesOf(drained);
    const codes = errorsOf(drained).map((e) => e.extensions?.code);
    if (codes.length === 0 && drained.completed) return { final: statuses.at(-1), interruptions };
    expect(codes).toEqual([INTERRUPTED_CODE]);
    interruptions += 1;
    await sleep(250);
  }
  throw new Error(`generation ${id}: the subscription never completed`);
}

/** The same contract over the progress stream: reconnect when it ends before a terminal state. */
async function followSse(server: Pick<TestServer, "fetch">, id: string, headers: Record<string, string>): Promise<{ final: string | undefined; reconnects: number; payloads: Array<Record<string, unknown>> }> {
  for (let reconnects = 0; reconnects < 60; reconnects++) {
    const stream = await openProgressStream(server, id, headers);
    expect(stream.status).toBe(200);
    await pollUntil(() => stream.closed(), Boolean, { tries: 600, what: `the progress stream of ${id} to end` });
    expect(stream.frames.filter((f) => f.kind === "comment" && f.text.startsWith("READ ERROR"))).toEqual([]);
    const last = stream.payloads.at(-1);
    if (last && TERMINAL.includes(String(last.status).toUpperCase())) return { final: String(last.status), reconnects, payloads: stream.payloads };
    await sleep(250);
  }
  throw new Error(`generation ${id}: the progress stream never reached a terminal state`);
}

describe.skipIf(!redisBinary.path)(
  titled("two APIs and two workers through worker deaths and a Redis restart"),
  () => {
    let redis: PrivateRedis;
    /** In-process server without worker or Redis: reads rows, serves the shared storage directory. */
    let observer: TestServer;
    const processes: MainProcess[] = [];
    const clients: WsClient[] = [];

    beforeAll(async () => {
      redis = await startPrivateRedis(redisBinary.path!);
      observer = await startServer({
        BOARDS_DATABASE_URL: database.url,
        BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath,
        BOARDS_STORAGE_LOCAL_BASE_PATH: workspace.storageDir,
      });
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      for (const p of processes) p.kill();
      await Promise.all(processes.map((p) => p.exited));
      await observer?.close();
      await redis?.dispose();
    });

    it(
      "ends every generation once, with its file, and every subscriber on its final state",
      async () => {
        const shared = workerEnvFor(observer, { BOARDS_REDIS_URL: redis.url, BOARDS_DATABASE_POOL_SIZE: "4" });
        // Everything starts at once (starting a process is the slow part of this test).
        // One job each at a time, so each worker holds one of the two long generations.
        const workers = [startWorkerProcess({ ...shared, BOARDS_WORKER_CONCURRENCY: "1" }), startWorkerProcess({ ...shared, BOARDS_WORKER_CONCURRENCY: "1" })];
        processes.push(...workers);
        const [apiA, apiB] = await Promise.all([startApiProcess(shared, processes), startApiProcess(shared, processes)]);

        const tenant = await newTenant(apiA);
        const atA = await tenant.user("owner");
        const atB = await (await newTenant(apiB, tenant.slug)).user("owner");
        const boardId = await createBoard(atA, { title: "Cluster" });

        // Long on their first attempt (held until their worker goes), quick on a retry.
        const long = [
          await submitFlaky(atA, boardId, { prompt: "long via A", hold_ms: 60_000, hold_attempts: 1 }),
          await submitFlaky(atB, boardId, { prompt: "long via B", hold_ms: 60_000, hold_attempts: 1 }),
        ];
        for (const g of long) {
          await pollUntil(() => workspace.record(g.id)?.runs[0]?.outcome, (o) => o === "stored", { tries: 300, what: `a worker to run ${g.id}` });
        }
        const runner = (id: string) => workers.find((w) => w.pid === workspace.record(id)?.runs[0]?.pid)!;
        const killed = runner(long[0]!.id);
        const stopped = runner(long[1]!.id);
        expect(new Set([killed.pid, stopped.pid]).size).toBe(2);

        // Watched through both APIs, over both transports, from now to the end.
        const wsA = wsClient(apiA, wsParams(atA));
        const wsB = wsClient(apiB, wsParams(atB));
        clients.push(wsA, wsB);
        const watch = (g: { id: string }) => {
          const first: string[] = [];
          return {
            first,
            graphql: [followGraphql(wsA, g.id, first), followGraphql(wsB, g.id, first)],
            sse: [followSse(apiA, g.id, headersOf(atA)), followSse(apiB, g.id, headersOf(atB))],
          };
        };
        const longWatchers = long.map((g) => watch(g));
        // Both GraphQL subscriptions of each long generation are live before the bus goes.
        for (const w of longWatchers) await pollUntil(() => w.first.length, (n) => n >= 2, { tries: 150, what: "the subscriptions to start" });
        expect(longWatchers.flatMap((w) => w.first)).toEqual(["PROCESSING", "PROCESSING", "PROCESSING", "PROCESSING"]);

        await redis.stop();
        // Submissions answer through both APIs while the bus is away.
        const quick = [
          await submitFlaky(atA, boardId, { prompt: "quick via A" }),
          await submitFlaky(atB, boardId, { prompt: "quick via B" }),
        ];
        const quickWatchers = quick.map((g) => watch(g));

        killed.child.kill("SIGKILL");
        stopped.child.kill("SIGTERM");
        const rescuer = startWorkerProcess(shared);
        processes.push(rescuer);
        await Promise.all([killed.exited, stopped.exited]);
        await redis.start();

        const all = [...long, ...quick];
        for (const g of all) await waitForStatus(observer, g.id, TERMINAL, 300);
        const files = await filesUnder(workspace.storageDir);
        for (const g of all) {
          const row = await generationRow(observer, g.id);
          expect(row, `generation ${g.id}`).toMatchObject({ status: "COMPLETED", progress: 100 });
          expect(files, `the file of ${g.id}`).toContain(row.storageKey);
          // Exactly one run produced the result, and nothing ran it again afterwards.
          expect(workspace.record(g.id)?.runs.filter((r) => r.outcome === "done"), `runs of ${g.id}`).toHaveLength(1);
          await pollUntil(() => jobsOf(observer.pool, g.id), (rows) => rows.length === 0, { tries: 150, what: `the job of ${g.id} to end` });
        }
        // One row per submission: no mutation was answered twice or retried into a duplicate.
        expect(await observer.prisma.generation.count({ where: { boardId } })).toBe(all.length);

        for (const watchers of [...longWatchers, ...quickWatchers]) {
          const graphql = await Promise.all(watchers.graphql);
          const sse = await Promise.all(watchers.sse);
          expect(graphql.map((w) => w.final)).toEqual(["COMPLETED", "COMPLETED"]);
          expect(sse.map((w) => w.final)).toEqual(["completed", "completed"]);
          for (const w of sse) expect((w.payloads.at(-1)!.artifacts as unknown[]).length).toBe(1);
        }
        // The long generations' subscribers were open through the outage, and were told.
        for (const watchers of longWatchers) {
          for (const w of await Promise.all(watchers.graphql)) expect(w.interruptions).toBeGreaterThan(0);
        }
      },
      120_000,
    );
  },
);
