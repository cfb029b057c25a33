/**
 * Live generation updates, end to end: GraphQL subscriptions over SSE (graphql-sse) and over
 * WebSocket (graphql-ws), Boards' progress stream (GET /api/sse/generations/{id}/progress), and
 * delivery through Redis from a separate worker process. Generations are real jobs run by a
 * real worker; the suite has a database of its own so no other suite's worker takes its jobs.
 */
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { newTenant, signToken, type Actor, type TenantHandle } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { launchServer, localStorageDir, localStorageOf, type TestServer } from "./helpers/launch.js";
import { drain, openProgressStream, type Drained, type GqlEvent } from "./helpers/live.js";
import { startMainProcess, type MainProcess } from "./helpers/mainProcess.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { needsRedis } from "./helpers/runRedis.js";
import { addBoardMember, createBoard } from "./helpers/taggingFixtures.js";

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const WAIT_MS = 12_000;

const authHeaders = (actor: Actor) => ({ authorization: `Bearer ${actor.token}`, "x-tenant": actor.tenant });

// ---------------------------------------------------------------------------------------------
// Generations

type GenerationView = {
  id: string;
  boardId: string;
  status: string;
  progress: number;
  storageUrl: string | null;
  outputMetadata: Record<string, unknown>;
  updatedAt: string;
};

type EventView = { phase: string; message: string | null; timestamp: string; generation: GenerationView };

const EVENT_FIELDS = "phase message timestamp generation { id boardId status progress storageUrl outputMetadata updatedAt }";
const PROGRESS_SUBSCRIPTION = `subscription($id: UUID!) { generationProgress(id: $id) { ${EVENT_FIELDS} } }`;
const BOARD_SUBSCRIPTION = `subscription($boardId: UUID!) { boardGenerations(boardId: $boardId) { ${EVENT_FIELDS} } }`;

const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"];

/** Submits an image generation; `delay_ms` spreads `progress_steps` progress events over the run. */
async function submitImage(actor: Actor, boardId: string, params: Record<string, unknown> = {}): Promise<string> {
  const data = await actor.ok<{ createGeneration: { id: string } }>(
    `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`,
    {
      input: {
        boardId,
        generatorName: "image-from-prompt",
        artifactType: "IMAGE",
        inputParams: { prompt: "a lighthouse at dusk", width: 32, height: 32, ...params },
      },
    },
  );
  return data.createGeneration.id;
}

/** Polls until the generation reaches `status` (bounded). */
async function waitForStatus(actor: Actor, id: string, status: string): Promise<GenerationView> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const data = await actor.ok<{ generation: GenerationView | null }>(
      `query($id: UUID!) { generation(id: $id) { id boardId status progress storageUrl outputMetadata updatedAt } }`,
      { id },
    );
    if (data.generation?.status === status) return data.generation;
    if (Date.now() > deadline) throw new Error(`generation ${id} did not reach ${status}: ${JSON.stringify(data.generation)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// Draining subscription iterators (graphql-sse and graphql-ws both hand out async iterators)

/** The events of results that must all have succeeded. */
function eventsOf<T, K extends keyof T>(drained: Drained<T>, field: K): Array<T[K]> {
  expect(drained.thrown, String(drained.thrown)).toBeUndefined();
  return drained.results.map((result) => {
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data![field];
  });
}

/** Asserts the subscription was refused with NOT_FOUND and delivered no events. */
function expectRefused<T>(drained: Drained<T>, code = "NOT_FOUND") {
  const errors = Array.isArray(drained.thrown)
    ? (drained.thrown as Array<{ extensions?: Record<string, unknown> }>)
    : drained.results.flatMap((r) => r.errors ?? []);
  expect(errors.length, JSON.stringify(drained)).toBeGreaterThan(0);
  expect(errors[0]!.extensions?.code, JSON.stringify(drained)).toBe(code);
  expect(drained.results.every((r) => r.data === null || r.data === undefined), JSON.stringify(drained.results)).toBe(true);
}

/** The shape every generationProgress stream of a running generation must have. */
function expectProgressStream(events: EventView[], id: string) {
  expect(events.length, JSON.stringify(events)).toBeGreaterThanOrEqual(3);
  for (const event of events) expect(event.generation.id).toBe(id);
  // The current state first: subscribed while the generation was still running.
  expect(["PENDING", "PROCESSING"]).toContain(events[0]!.generation.status);
  // Progress never goes back, and nothing comes after the terminal state.
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.generation.progress, JSON.stringify(events)).toBeGreaterThanOrEqual(events[i - 1]!.generation.progress);
    expect(Date.parse(events[i]!.generation.updatedAt)).toBeGreaterThanOrEqual(Date.parse(events[i - 1]!.generation.updatedAt));
  }
  for (const event of events.slice(0, -1)) expect(TERMINAL).not.toContain(event.generation.status);
  const progress = events.filter((e) => e.generation.status === "PROCESSING" && e.phase === "processing" && /^Step \d of 4$/.test(e.message ?? ""));
  expect(progress.length, JSON.stringify(events)).toBeGreaterThanOrEqual(2);
  for (const event of progress) {
    expect(event.generation.progress).toBeGreaterThan(0);
    expect(event.generation.progress).toBeLessThan(100);
  }
  const last = events.at(-1)!;
  expect(last.generation).toMatchObject({ status: "COMPLETED", progress: 100 });
  expect(last.generation.storageUrl).toMatch(/^http:\/\/.+\/api\/storage\/.+/);
  expect(last.phase).toBe("finalizing");
  for (const event of events) expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
}

/** Every generation now on the board has events, and each one's last event is COMPLETED. */
async function expectEveryGenerationOfBoardCompleted(owner: Actor, boardId: string, events: EventView[], parent: string) {
  const board = await owner.ok<{ board: { generations: Array<{ id: string; outputMetadata: Record<string, unknown> }> } }>(
    `query($id: UUID!) { board(id: $id) { generations { id outputMetadata } } }`,
    { id: boardId },
  );
  const onBoard = board.board.generations.map((g) => g.id);
  expect(onBoard).toHaveLength(2);
  expect(onBoard).toContain(parent);
  const sibling = board.board.generations.find((g) => g.id !== parent)!;
  expect(sibling.outputMetadata).toMatchObject({ batch_id: parent, batch_index: 1 });
  for (const id of onBoard) {
    const own = events.filter((e) => e.generation.id === id);
    expect(own.length, `${id}: ${JSON.stringify(events)}`).toBeGreaterThan(0);
    expect(own.at(-1)!.generation.status).toBe("COMPLETED");
    for (const event of own) expect(event.generation.boardId).toBe(boardId);
  }
  expect(new Set(events.map((e) => e.generation.id))).toEqual(new Set(onBoard));
}

const bothCompleted = (parent: string) => (results: Array<GqlEvent<{ boardGenerations: EventView }>>) => {
  const done = results.map((r) => r.data?.boardGenerations.generation).filter((g) => g?.status === "COMPLETED");
  return done.some((g) => g?.id === parent) && done.some((g) => g?.id !== parent && g?.outputMetadata.batch_id === parent);
};

/** Resolves as `promise` does, failing after a bounded wait. */
async function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sseClient = (baseUrl: string, actor: Actor) =>
  createSseClient({ url: `${baseUrl}/graphql`, headers: authHeaders(actor), fetchFn: fetch, retryAttempts: 0 });

/**
 * Subscribes to a board over SSE and returns once the server has answered, which Yoga does
 * only after the subscription is set up. `finished` settles when the batch whose first
 * generation `parent()` names has both outputs COMPLETED.
 */
async function watchBoardOverSse(baseUrl: string, actor: Actor, boardId: string, parent: () => string) {
  let connected!: () => void;
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  const iterator = sseClient(baseUrl, actor).iterate<{ boardGenerations: EventView }>(
    { query: BOARD_SUBSCRIPTION, variables: { boardId } },
    { connected: () => connected() },
  );
  const finished = drain(iterator, { until: (results) => parent() !== "" && bothCompleted(parent())(results) });
  // Awaited by the caller; a failure before that must not count as unhandled.
  finished.catch(() => undefined);
  await bounded(isConnected, "the board subscription to be set up");
  return { finished };
}

// ---------------------------------------------------------------------------------------------
// Boards' progress stream (raw SSE)

const PAYLOAD_KEYS = ["job_id", "jobId", "status", "progress", "phase", "message", "artifacts", "timestamp"];
// Boards' payload also carries `estimated_completion` (always null).
const OPTIONAL_PAYLOAD_KEYS = ["estimated_completion"];

function expectBoardsPayload(payload: Record<string, unknown>, id: string) {
  for (const key of PAYLOAD_KEYS) expect(payload, key).toHaveProperty(key);
  for (const key of Object.keys(payload)) expect([...PAYLOAD_KEYS, ...OPTIONAL_PAYLOAD_KEYS], `unexpected key ${key}`).toContain(key);
  expect(payload.job_id).toBe(id);
  expect(payload.jobId).toBe(id);
  expect(["pending", "processing", "completed", "failed", "cancelled"]).toContain(payload.status);
  expect(typeof payload.progress).toBe("number");
  expect(payload.progress as number).toBeGreaterThanOrEqual(0);
  expect(payload.progress as number).toBeLessThanOrEqual(100);
  expect(typeof payload.phase).toBe("string");
  expect(payload.message === null || typeof payload.message === "string").toBe(true);
  expect(Array.isArray(payload.artifacts)).toBe(true);
  expect(typeof payload.timestamp).toBe("string");
  expect(Number.isNaN(Date.parse(payload.timestamp as string))).toBe(false);
  if (payload.estimated_completion !== undefined) expect(payload.estimated_completion).toBeNull();
}

function expectCompletedPayload(payload: Record<string, unknown>, id: string, storageUrl: string) {
  expectBoardsPayload(payload, id);
  expect(payload).toMatchObject({ status: "completed", progress: 100 });
  expect(payload.artifacts).toEqual([{ url: storageUrl, type: "image", metadata: expect.objectContaining({ format: "png" }) }]);
}

/** Non-decreasing progress, lowercase running statuses, then exactly one terminal `completed` payload, last. */
function expectRunningThenCompleted(payloads: Array<Record<string, unknown>>, id: string) {
  expect(payloads.length, JSON.stringify(payloads)).toBeGreaterThanOrEqual(3);
  for (const payload of payloads) expectBoardsPayload(payload, id);
  expect(["pending", "processing"]).toContain(payloads[0]!.status);
  for (let i = 1; i < payloads.length; i++) {
    expect(payloads[i]!.progress as number, JSON.stringify(payloads)).toBeGreaterThanOrEqual(payloads[i - 1]!.progress as number);
  }
  for (const payload of payloads.slice(0, -1)) {
    expect(["pending", "processing"]).toContain(payload.status);
    expect(payload.artifacts).toEqual([]);
  }
  const stepped = payloads.filter((p) => p.status === "processing" && /^Step \d of 4$/.test(String(p.message)));
  expect(stepped.length, JSON.stringify(payloads)).toBeGreaterThanOrEqual(2);
  expect(payloads.at(-1)!.status).toBe("completed");
}

// ---------------------------------------------------------------------------------------------

let db: ThrowawayDatabase;
beforeAll(async () => {
  db = await privateDatabase("live");
});
afterAll(async () => {
  await db?.drop();
});

describe("with an in-process worker", () => {
  let server: TestServer;
  let tenant: TenantHandle;
  let owner: Actor;
  let member: Actor;
  let stranger: Actor;
  let outsider: Actor;
  let board: string;

  beforeAll(async () => {
    server = await launchServer(db.url, { BOARDS_SSE_KEEPALIVE_SECONDS: "0.2" }, { worker: true });
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    member = await tenant.user("member");
    stranger = await tenant.user("stranger");
    outsider = await (await newTenant(server)).user("outsider");
    board = await createBoard(owner, { title: "Private" });
    await addBoardMember(owner, board, member.id, "VIEWER");
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A fresh private board of the owner's (so board streams see only this test's generations). */
  const freshBoard = () => createBoard(owner, { title: "Live" });

  describe("GraphQL subscriptions over SSE", () => {
    const client = (actor: Actor) => sseClient(server.url, actor);

    it("generationProgress sends the current state, then progress, then COMPLETED, and completes", async () => {
      const id = await submitImage(owner, board, { delay_ms: 1600, progress_steps: 4 });
      const drained = await drain(client(member).iterate<{ generationProgress: EventView }>({ query: PROGRESS_SUBSCRIPTION, variables: { id } }));
      expect(drained.completed).toBe(true);
      expectProgressStream(eventsOf(drained, "generationProgress"), id);
    });

    it("generationProgress of a completed generation sends its state once and completes", async () => {
      const id = await submitImage(owner, board);
      const done = await waitForStatus(owner, id, "COMPLETED");
      const drained = await drain(client(owner).iterate<{ generationProgress: EventView }>({ query: PROGRESS_SUBSCRIPTION, variables: { id } }));
      expect(drained.completed).toBe(true);
      const events = eventsOf(drained, "generationProgress");
      expect(events).toHaveLength(1);
      expect(events[0]!.generation).toMatchObject({ id, status: "COMPLETED", progress: 100, storageUrl: done.storageUrl });
    });

    it("boardGenerations delivers the events of every generation on the board, batch siblings included", async () => {
      const boardId = await freshBoard();
      let parent = "";
      const { finished } = await watchBoardOverSse(server.url, owner, boardId, () => parent);
      parent = await submitImage(owner, boardId, { num_images: 2, delay_ms: 300, progress_steps: 2 });
      const events = eventsOf(await finished, "boardGenerations");
      // The submission itself is an event (queued), before any worker picked the job up.
      expect(events[0]!.generation).toMatchObject({ id: parent, status: "PENDING" });
      expect(events[0]!.phase).toBe("queued");
      await expectEveryGenerationOfBoardCompleted(owner, boardId, events, parent);
    });

    it("refuses other tenants and non-members with NOT_FOUND at subscribe time, sending no events", async () => {
      const id = await submitImage(owner, board, { delay_ms: 300 });
      for (const [actor, query, variables] of [
        [outsider, PROGRESS_SUBSCRIPTION, { id }],
        [outsider, BOARD_SUBSCRIPTION, { boardId: board }],
        [stranger, PROGRESS_SUBSCRIPTION, { id }],
        [stranger, BOARD_SUBSCRIPTION, { boardId: board }],
        [owner, PROGRESS_SUBSCRIPTION, { id: UNKNOWN_ID }],
      ] as const) {
        const drained = await drain(client(actor).iterate({ query, variables }));
        expectRefused(drained);
        expect(drained.completed).toBe(true);
      }
      await waitForStatus(owner, id, "COMPLETED");
    });
  });

  describe("GraphQL subscriptions over WebSocket", () => {
    const clients: WsClient[] = [];
    const client = (connectionParams: Record<string, string>) => {
      const ws = createWsClient({
        url: `${server.url.replace(/^http/, "ws")}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(ws);
      return ws;
    };
    const as = (actor: Actor) => client({ Authorization: `Bearer ${actor.token}`, "X-Tenant": actor.tenant });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
    });

    it("generationProgress sends the current state, then progress, then COMPLETED, and completes", async () => {
      const id = await submitImage(owner, board, { delay_ms: 1600, progress_steps: 4 });
      const drained = await drain(as(member).iterate<{ generationProgress: EventView }>({ query: PROGRESS_SUBSCRIPTION, variables: { id } }));
      expect(drained.completed).toBe(true);
      expectProgressStream(eventsOf(drained, "generationProgress"), id);
    });

    it("boardGenerations delivers the events of every generation on the board, batch siblings included", async () => {
      const boardId = await freshBoard();
      const ws = as(owner);
      let parent = "";
      const finished = drain(ws.iterate<{ boardGenerations: EventView }>({ query: BOARD_SUBSCRIPTION, variables: { boardId } }), {
        until: (results) => parent !== "" && bothCompleted(parent)(results),
      });
      finished.catch(() => undefined);
      await bounded(new Promise<void>((resolve) => void ws.on("connected", () => resolve())), "the WebSocket connection");
      // graphql-ws acknowledges the connection, not the subscription, which the server sets up
      // right after; the batch's first step is long enough for it, and the assertions below only
      // rely on each generation's later events.
      parent = await submitImage(owner, boardId, { num_images: 2, delay_ms: 800, progress_steps: 2 });
      const events = eventsOf(await finished, "boardGenerations");
      await expectEveryGenerationOfBoardCompleted(owner, boardId, events, parent);
    });

    it("refuses other tenants and non-members with NOT_FOUND at subscribe time, sending no events", async () => {
      const id = await submitImage(owner, board, { delay_ms: 300 });
      for (const [actor, query, variables] of [
        [outsider, PROGRESS_SUBSCRIPTION, { id }],
        [outsider, BOARD_SUBSCRIPTION, { boardId: board }],
        [stranger, PROGRESS_SUBSCRIPTION, { id }],
        [stranger, BOARD_SUBSCRIPTION, { boardId: board }],
      ] as const) {
        expectRefused(await drain(as(actor).iterate({ query, variables })));
      }
      await waitForStatus(owner, id, "COMPLETED");
    });

    it("refuses an invalid token with UNAUTHENTICATED", async () => {
      const id = await submitImage(owner, board);
      const forged = await signToken({ sub: owner.sub, secret: "not-the-secret-of-this-server-at-all" });
      for (const token of ["not-a-jwt", forged]) {
        const ws = client({ Authorization: `Bearer ${token}`, "X-Tenant": owner.tenant });
        expectRefused(await drain(ws.iterate({ query: PROGRESS_SUBSCRIPTION, variables: { id } })), "UNAUTHENTICATED");
      }
    });
  });

  describe("GET /api/sse/generations/{id}/progress", () => {
    it("streams the current state, each change as Boards' payload, and closes after completion", async () => {
      const id = await submitImage(owner, board, { delay_ms: 1600, progress_steps: 4 });
      const stream = await openProgressStream(server, id, authHeaders(member));
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(stream.response.headers.get("cache-control")).toMatch(/no-cache/);
      await stream.waitUntil(() => stream.closed(), "the stream to close");
      expect(stream.frames[0]!.kind).toBe("data");
      const payloads = stream.payloads;
      expectRunningThenCompleted(payloads, id);
      const done = await waitForStatus(owner, id, "COMPLETED");
      expectCompletedPayload(payloads.at(-1)!, id, done.storageUrl!);
      // Plain `data:` events only: no `event:`, `id:` or `retry:` fields.
      for (const frame of stream.frames) if (frame.kind === "data") expect(frame.raw.split("\n")).toHaveLength(1);
    });

    it("sends one event for a completed generation and closes", async () => {
      const id = await submitImage(owner, board);
      const done = await waitForStatus(owner, id, "COMPLETED");
      const stream = await openProgressStream(server, id, authHeaders(owner));
      expect(stream.response.status).toBe(200);
      await stream.waitUntil(() => stream.closed(), "the stream to close");
      const payloads = stream.payloads;
      expect(payloads).toHaveLength(1);
      expectCompletedPayload(payloads[0]!, id, done.storageUrl!);
    });

    it("sends keep-alive comments while nothing happens", async () => {
      const id = await submitImage(owner, board, { delay_ms: 1500, progress_steps: 1 });
      const stream = await openProgressStream(server, id, authHeaders(owner));
      expect(stream.response.status).toBe(200);
      await stream.waitUntil(() => stream.frames.filter((f) => f.kind === "comment" && f.text === "keep-alive").length >= 2, "keep-alives");
      expect(stream.payloads.length).toBeGreaterThanOrEqual(1);
      expectBoardsPayload(stream.payloads[0]!, id);
      await stream.waitUntil(() => stream.closed(), "the stream to close");
      expect(stream.payloads.at(-1)!.status).toBe("completed");
      for (const frame of stream.frames) if (frame.kind === "comment") expect(frame.text).toBe("keep-alive");
    });

    it("answers 401 to anonymous callers", async () => {
      const id = await submitImage(owner, board);
      const response = await server.fetch(`/api/sse/generations/${id}/progress`, {
        headers: { accept: "text/event-stream", "x-tenant": tenant.slug },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await response.json()).toEqual({ detail: "Authentication required" });
      await waitForStatus(owner, id, "COMPLETED");
    });

    it("answers 404 for unknown ids, malformed ids and other tenants' generations", async () => {
      const id = await submitImage(owner, board);
      for (const [actor, target] of [
        [owner, UNKNOWN_ID],
        [owner, "not-a-uuid"],
        [owner, "00000000-0000-4000-8000-00000000000"],
        [outsider, id],
      ] as const) {
        const response = await server.fetch(`/api/sse/generations/${target}/progress`, {
          headers: { accept: "text/event-stream", ...authHeaders(actor) },
        });
        expect(response.status, `${actor.sub} ${target}`).toBe(404);
        expect(await response.json()).toEqual({ detail: "Generation not found" });
      }
      await waitForStatus(owner, id, "COMPLETED");
    });

    it("answers 403 for a private board's generation to a same-tenant non-member", async () => {
      const id = await submitImage(owner, board);
      const response = await server.fetch(`/api/sse/generations/${id}/progress`, {
        headers: { accept: "text/event-stream", ...authHeaders(stranger) },
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ detail: "You don't have permission to access this generation" });
      await waitForStatus(owner, id, "COMPLETED");
    });
  });
});

const redis = needsRedis("across processes through Redis");
describe.skipIf(!redis.url)(redis.title, () => {
  let api: TestServer;
  let worker: MainProcess | undefined;
  let owner: Actor;
  let board: string;

  beforeAll(async () => {
    const redisUrl = redis.url!;
    // The API process runs no job worker: every event below comes from the worker process.
    api = await launchServer(db.url, { BOARDS_REDIS_URL: redisUrl });
    expect(api.worker).toBeUndefined();
    expect(api.runtime.events.distributed).toBe(true);
    worker = startMainProcess(
      {
        BOARDS_DATABASE_URL: db.url,
        BOARDS_REDIS_URL: redisUrl,
        BOARDS_STORAGE_LOCAL_BASE_PATH: localStorageDir(api.env),
        BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: localStorageOf(api.env).publicUrlBase,
        BOARDS_AUTH_PROVIDER: "jwt",
        BOARDS_JWT_SECRET: "x",
        BOARDS_LOG_LEVEL: "info",
      },
      "src/worker.ts",
    );
    await worker.waitForLog((line) => line.msg === "worker started");
    owner = await (await newTenant(api)).user("owner");
    board = await createBoard(owner, { title: "Distributed" });
  });
  afterAll(async () => {
    worker?.kill();
    await worker?.exited;
    await api?.close();
  });

  it("delivers the worker process's progress and completion to SSE and GraphQL subscribers of the API process", async () => {
    const id = await submitImage(owner, board, { delay_ms: 1600, progress_steps: 4 });
    const stream = await openProgressStream(api, id, authHeaders(owner));
    expect(stream.response.status).toBe(200);
    const subscription = drain(sseClient(api.url, owner).iterate<{ generationProgress: EventView }>({ query: PROGRESS_SUBSCRIPTION, variables: { id } }));

    const [, drained] = await Promise.all([stream.waitUntil(() => stream.closed(), "the stream to close"), subscription]);
    expectRunningThenCompleted(stream.payloads, id);
    expect(drained.completed).toBe(true);
    expectProgressStream(eventsOf(drained, "generationProgress"), id);

    // The worker process stored the file where the API process serves it from.
    const done = await waitForStatus(owner, id, "COMPLETED");
    expectCompletedPayload(stream.payloads.at(-1)!, id, done.storageUrl!);
    const file = await fetch(done.storageUrl!);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
  });

  it("delivers a board's events from the worker process, batch siblings included", async () => {
    const boardId = await createBoard(owner, { title: "Distributed batch" });
    let parent = "";
    const { finished } = await watchBoardOverSse(api.url, owner, boardId, () => parent);
    parent = await submitImage(owner, boardId, { num_images: 2, delay_ms: 300, progress_steps: 2 });
    const events = eventsOf(await finished, "boardGenerations");
    await expectEveryGenerationOfBoardCompleted(owner, boardId, events, parent);
  });
});
