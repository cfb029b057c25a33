/**
 * Limits on live updates, asserted message by message on the graphql-ws protocol: a bad
 * operation is answered with an `error` for its id and the socket stays open (its other
 * subscriptions keep delivering); operations per connection and subscriptions per user (across
 * WebSocket, GraphQL over SSE and the progress stream) are capped, the extra ones refused with an
 * error for that id; a socket that never sends `connection_init` is closed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { drain, errorsOf, openProgressStream, sseSubscribe, type ProgressStream } from "./helpers/live.js";
import { openRawSocket, type RawGraphQLSocket } from "./helpers/rawWebSocket.js";
import { startServer, type TestServer } from "./helpers/server.js";

const PROGRESS = `subscription($id: UUID!) { generationProgress(id: $id) { generation { id status } } }`;
const MAX_OPERATIONS_PER_CONNECTION = 3;
const MAX_SUBSCRIPTIONS_PER_USER = 3;

let server: TestServer;
const sockets: RawGraphQLSocket[] = [];
const streams: ProgressStream[] = [];

beforeAll(async () => {
  server = await startServer({
    BOARDS_GRAPHQL_MAX_DEPTH: "5",
    BOARDS_GRAPHQL_MAX_ALIASES: "3",
    BOARDS_GRAPHQL_MAX_TOKENS: "300",
    BOARDS_GRAPHQL_MAX_NODES: "150",
    BOARDS_WS_MAX_OPERATIONS_PER_CONNECTION: String(MAX_OPERATIONS_PER_CONNECTION),
    BOARDS_MAX_SUBSCRIPTIONS_PER_USER: String(MAX_SUBSCRIPTIONS_PER_USER),
  });
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});

const params = (actor: Actor) => ({ Authorization: `Bearer ${actor.token}`, "X-Tenant": actor.tenant });

async function connect(actor: Actor): Promise<RawGraphQLSocket> {
  const socket = await openRawSocket(server);
  sockets.push(socket);
  await socket.init(params(actor));
  return socket;
}

/** A generation that stays PENDING (no worker runs here) until cancelled. */
async function pendingGeneration(actor: Actor): Promise<string> {
  const { createBoard } = await actor.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "live" }) { id } }`);
  const { createGeneration } = await actor.ok<{ createGeneration: { id: string } }>(
    `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`,
    { input: { boardId: createBoard.id, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "p", width: 16, height: 16 } } },
  );
  return createGeneration.id;
}

const cancel = (actor: Actor, id: string) => actor.ok(`mutation($id: UUID!) { cancelGeneration(id: $id) { id } }`, { id });

/** Subscribes `id` to a generation and waits for its first event (the current state): it is live. */
async function live(socket: RawGraphQLSocket, id: string, generation: string) {
  socket.subscribe(id, PROGRESS, { id: generation });
  const first = await socket.take(id);
  expect(first, JSON.stringify(first)).toMatchObject({ type: "next", payload: { data: { generationProgress: { generation: { id: generation, status: "PENDING" } } } } });
}

/** The error message sent for operation `id`, with its errors. */
async function refusal(socket: RawGraphQLSocket, id: string) {
  const message = await socket.take(id);
  expect(message.type, JSON.stringify(message)).toBe("error");
  return message.payload as Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Retries `attempt` (bounded) until it returns a value: for releases that follow a disconnect. */
async function eventually<T>(attempt: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("one bad operation on a WebSocket", () => {
  it("is answered with an error for its id; the socket stays open and its subscriptions keep delivering", async () => {
    const owner = await (await newTenant(server)).user("owner");
    const generation = await pendingGeneration(owner);
    const socket = await connect(owner);
    await live(socket, "live", generation);

    const bad: Array<[string, string, RegExp]> = [
      ["syntax", "{ me { id ", /Syntax Error/],
      ["unknown-field", "{ me { nope } }", /Cannot query field "nope"/],
      ["depth", "{ myBoards { generations { board { generations { board { generations { id } } } } } } }", /depth/i],
      ["aliases", "{ a: me { id } b: me { id } c: me { id } d: me { id } e: me { id } }", /alias/i],
      ["tokens", `{ me { ${"id ".repeat(400)}} }`, /token/i],
      ["nodes", `{ myBoards { generations { ${"id ".repeat(120)}} } }`, /nodes; the limit is 150/],
    ];
    for (const [id, query, message] of bad) {
      socket.subscribe(id, query);
      const errors = await refusal(socket, id);
      expect(errors.map((e) => e.message).join("\n"), id).toMatch(message);
      expect(socket.closed, id).toBeNull();
    }

    // Mutations work over the socket too.
    socket.subscribe("mutation", `mutation { createBoard(input: { title: "over a socket" }) { title } }`);
    expect(await socket.take("mutation")).toEqual({ id: "mutation", type: "next", payload: { data: { createBoard: { title: "over a socket" } } } });
    expect(await socket.take("mutation")).toEqual({ id: "mutation", type: "complete" });

    // The first subscription is still live and delivers the next change.
    await cancel(owner, generation);
    expect(await socket.take("live")).toMatchObject({ type: "next", payload: { data: { generationProgress: { generation: { status: "CANCELLED" } } } } });
    expect(await socket.take("live")).toEqual({ id: "live", type: "complete" });
    expect(socket.closed).toBeNull();
  });
});

describe("credentials in connectionParams", () => {
  it("that no header could carry (NUL, a line break) refuse each operation with a client error, not an internal one", async () => {
    const owner = await (await newTenant(server)).user("owner");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ Authorization: `Bearer ${owner.token}\u0000`, "X-Tenant": owner.tenant }, "UNAUTHENTICATED"],
      [{ Authorization: `Bearer ${owner.token}\r\nX-Evil: 1`, "X-Tenant": owner.tenant }, "UNAUTHENTICATED"],
      [{ Authorization: `Bearer ${owner.token}`, "X-Tenant": `${owner.tenant}\nX-Evil: 1` }, "BAD_REQUEST"],
    ];
    for (const [connectionParams, code] of cases) {
      const socket = await openRawSocket(server);
      sockets.push(socket);
      await socket.init(connectionParams);
      socket.subscribe("me", "{ me { id } }");
      const errors = await refusal(socket, "me");
      expect(errors.map((e) => e.extensions?.code), JSON.stringify(connectionParams)).toEqual([code]);
      expect(socket.closed).toBeNull();
    }
  });
});

describe("operations per connection", () => {
  it(`are capped at ${MAX_OPERATIONS_PER_CONNECTION}: the next one is refused for its id, and a slot frees when one ends`, async () => {
    const owner = await (await newTenant(server)).user("owner");
    const generation = await pendingGeneration(owner);
    const socket = await connect(owner);
    for (let i = 1; i <= MAX_OPERATIONS_PER_CONNECTION; i++) await live(socket, `s${i}`, generation);

    socket.subscribe("extra", PROGRESS, { id: generation });
    const [error] = await refusal(socket, "extra");
    expect(error!.extensions?.code).toBe("TOO_MANY_OPERATIONS");
    expect(socket.closed).toBeNull();

    // The client ending one frees its slot.
    socket.complete("s1");
    await live(socket, "s4", generation);

    // The others still deliver.
    await cancel(owner, generation);
    for (const id of ["s2", "s3", "s4"]) {
      expect(await socket.take(id)).toMatchObject({ type: "next", payload: { data: { generationProgress: { generation: { status: "CANCELLED" } } } } });
      expect(await socket.take(id)).toEqual({ id, type: "complete" });
    }
    expect(socket.messages.some((m) => m.id === "s1" && m.type !== "next")).toBe(false);
  });
});

describe("subscriptions per user", () => {
  it(`are capped at ${MAX_SUBSCRIPTIONS_PER_USER} across connections and transports, for that user only`, async () => {
    const tenant = await newTenant(server);
    const owner = await tenant.user("owner");
    const other = await tenant.user("other");
    const generation = await pendingGeneration(owner);
    const first = await connect(owner);
    const second = await connect(owner);
    await live(first, "a1", generation);
    await live(first, "a2", generation);
    await live(second, "b1", generation);

    // The user's fourth subscription, on a connection with room left, is refused.
    second.subscribe("b2", PROGRESS, { id: generation });
    const [error] = await refusal(second, "b2");
    expect(error!.extensions?.code).toBe("TOO_MANY_SUBSCRIPTIONS");
    expect(second.closed).toBeNull();

    // Over SSE too: GraphQL subscriptions and the progress stream.
    const overSse = await drain(sseSubscribe(server, params(owner), PROGRESS, { id: generation }));
    expect(errorsOf(overSse).map((e) => e.extensions?.code)).toEqual(["TOO_MANY_SUBSCRIPTIONS"]);
    const progress = await server.fetch(`/api/sse/generations/${generation}/progress`, { headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant } });
    expect(progress.status).toBe(429);
    expect(await progress.json()).toEqual({ detail: `Too many live subscriptions (at most ${MAX_SUBSCRIPTIONS_PER_USER} per user)` });

    // Another user is not affected.
    const otherGeneration = await pendingGeneration(other);
    await live(await connect(other), "o1", otherGeneration);

    // Ending one frees room for another, on any connection.
    first.complete("a1");
    await live(second, "b3", generation);

    // Closing the sockets frees theirs; streams over SSE count like the rest.
    await first.close();
    await second.close();
    const streamsOpen: ProgressStream[] = [];
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_USER; i++) {
      streamsOpen.push(
        await eventually(async () => {
          const stream = await openProgressStream(server, generation, { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant });
          streams.push(stream);
          if (stream.status === 200) return stream;
          stream.close();
          return undefined;
        }, "room for a progress stream"),
      );
    }
    const third = await connect(owner);
    third.subscribe("c1", PROGRESS, { id: generation });
    expect((await refusal(third, "c1"))[0]!.extensions?.code).toBe("TOO_MANY_SUBSCRIPTIONS");

    // A GraphQL subscription over SSE holds its place too.
    streamsOpen.pop()!.close();
    const sse = sseSubscribe<Record<string, unknown>>(server, params(owner), PROGRESS, { id: generation });
    const held = await eventually(async () => {
      const result = await sse.next();
      return result.done ? undefined : result.value;
    }, "the SSE subscription's first event");
    expect(held.errors).toBeUndefined();
    third.subscribe("c2", PROGRESS, { id: generation });
    expect((await refusal(third, "c2"))[0]!.extensions?.code).toBe("TOO_MANY_SUBSCRIPTIONS");

    // ...until the client leaves it.
    await sse.return?.(undefined);
    let attempt = 0;
    await eventually(async () => {
      const id = `c3-${attempt++}`;
      third.subscribe(id, PROGRESS, { id: generation });
      const message = await third.take(id);
      return message.type === "next" ? message : undefined;
    }, "the SSE subscription's place to be given back");
  });
});

describe("connection initialisation", () => {
  it("closes a socket that never sends connection_init (4408)", async () => {
    const socket = await openRawSocket(server);
    sockets.push(socket);
    expect((await socket.waitClosed()).code).toBe(4408);
  });
});
