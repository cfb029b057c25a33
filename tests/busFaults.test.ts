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
import { faultWorkspace, jobsOf, pollUntil, sleep, submitFlaky, suiteDatabase, waitForStatus, type FaultWorkspace } from "./helpers/faultHarness.js";
import { drain, errorsOf, openProgressStream, wsClient, type Drained, type GqlEvent } from "./helpers/live.js";
import { redisServerBinary, startPrivateRedis, type PrivateRedis } from "./helpers/redisServer.js";
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

describe.skipIf(!redisBinary)(
  redisBinary ? "a Redis outage under one API and one worker" : "a Redis outage (skipped: no redis-server binary on PATH)",
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
      redis = await startPrivateRedis(redisBinary!);
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
