/**
 * Fuzzing the public GraphQL interface: a few thousand seeded operations built from the schema
 * (valid and malformed) over HTTP and over WebSocket, from the owner of a real board, an
 * anonymous caller and a caller with a bad token. Not one answer may be a 5xx or an
 * INTERNAL_SERVER_ERROR, none may carry a stack trace or SQL, and the server must still serve
 * at the end. BOARDS_FUZZ_SEED replays a run; BOARDS_FUZZ_COUNT scales it.
 */
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { createFuzzer, type FuzzRequest } from "./helpers/fuzzDocuments.js";
import { awaitCompleted, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import { openRawSocket, type RawGraphQLSocket } from "./helpers/rawWebSocket.js";
import type { TestServer } from "./helpers/server.js";
import { MAX_SOCKET_MESSAGE_BYTES } from "../src/http/websocket.js";

const SEED = Number(process.env.BOARDS_FUZZ_SEED ?? 20261204);
const COUNT = Number(process.env.BOARDS_FUZZ_COUNT ?? 2000);
const schema = buildSchema(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

/** What an answer must never show: stack frames, SQL or database error texts, source paths. */
const LEAKS = [
  /\n\s+at\s/,
  /\bat\s[\w.<>$]+\s\(/,
  /node_modules|\/src\/[\w/]+\.[tj]s/,
  /prisma|PrismaClient|invalid input syntax|violates|duplicate key|relation "|column "|syntax error at or near|SQLSTATE/i,
];

type Failure = { where: string; request: unknown; answer: string };

/** The reasons an answer fails the fuzz contract, if any. */
function problemsOf(status: number, body: string): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`status ${status}`);
  let errors: unknown = undefined;
  try {
    // An HTTP answer's errors, or a WebSocket message's payload.
    const parsed = JSON.parse(body) as { errors?: unknown; payload?: unknown };
    errors = parsed.errors ?? parsed.payload;
  } catch {
    // Non-JSON answers (plain-text 4xx) are checked as text below.
  }
  const errorText = errors === undefined ? body : JSON.stringify(errors);
  if (/INTERNAL_SERVER_ERROR/.test(errorText)) problems.push("INTERNAL_SERVER_ERROR");
  for (const leak of LEAKS) if (leak.test(errorText)) problems.push(`leak ${leak}`);
  return problems;
}

let server: TestServer;
let owner: Actor;
let tenant: string;
let ids: string[];

beforeAll(async () => {
  server = await startIsolatedServer({}, { worker: true });
  const handle = await newTenant(server);
  tenant = handle.slug;
  owner = await handle.user("owner");
  const board = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "fuzz", isPublic: true }) { id } }`);
  const boardId = board.createBoard.id;
  const generation = await submitGeneration(owner, {
    boardId,
    generatorName: "image-from-prompt",
    artifactType: "IMAGE",
    inputParams: { prompt: "a fuzzy cat" },
  });
  await awaitCompleted(owner, generation.id);
  const tag = await owner.ok<{ createTag: { id: string } }>(`mutation { createTag(input: { name: "fuzz" }) { id } }`);
  ids = [boardId, generation.id, owner.id, tag.createTag.id];
}, 120_000);

afterAll(() => server?.close());

/** Runs `task` on `count` items made by `make`, with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, make: () => T, task: (item: T) => Promise<void>) {
  let made = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (made < count) {
        made += 1;
        await task(make());
      }
    }),
  );
}

async function expectAlive() {
  const health = await server.fetch("/health");
  expect(health.status).toBe(200);
  expect(await owner.ok<{ me: { id: string } }>("{ me { id } }")).toEqual({ me: { id: owner.id } });
}

describe("fuzzing the GraphQL interface", () => {
  it(`answers ${COUNT} generated operations over HTTP without a 5xx, an internal error or a leak (seed ${SEED})`, async () => {
    const fuzzer = createFuzzer(schema, SEED, { uuids: ids });
    // Made one at a time as they are sent (the k-th request is the same whichever slot sends
    // it): making thousands up front would block the event loop for seconds, longer than the
    // server keeps an idle connection, and the first requests would race its closing.
    const requestAt = () => {
      const request = fuzzer.next(fuzzer.random() < 0.55 ? "query" : "mutation");
      const caller = fuzzer.random();
      const headers: Record<string, string> = { "content-type": "application/json", "x-tenant": tenant };
      if (caller < 0.7) headers.authorization = `Bearer ${owner.token}`;
      else if (caller < 0.8) headers.authorization = "Bearer not.a.token";
      return { request, headers };
    };
    const failures: Failure[] = [];
    let executed = 0;
    await pool(COUNT, 4, requestAt, async ({ request, headers }) => {
      const payload = JSON.stringify({ query: request.query, variables: request.variables });
      let response: Response;
      try {
        response = await server.fetch("/graphql", { method: "POST", headers, body: payload });
      } catch (error) {
        // The server refuses an oversized body with 413 and closes the connection before
        // reading it, so the client may fail to finish sending; any other failure counts.
        if (Buffer.byteLength(payload) > server.env.graphqlLimits.maxBodyBytes) return;
        failures.push({ where: `request failed: ${String((error as Error).cause ?? error)}`, request, answer: "" });
        return;
      }
      const body = await response.text();
      const problems = problemsOf(response.status, body);
      if (problems.length > 0) failures.push({ where: problems.join(", "), request, answer: body.slice(0, 600) });
      if (response.status === 200 && body.includes('"data":{')) executed += 1;
    });
    expect(failures.slice(0, 5), `${failures.length} failing answers (seed ${SEED})`).toEqual([]);
    // A fuzzer whose requests all bounce off the front door tests nothing behind it.
    expect(executed, "operations that reached the resolvers").toBeGreaterThan(COUNT / 5);
    await expectAlive();
  }, 300_000);

  it("answers malformed request bodies with a 4xx", async () => {
    const bodies: string[] = [
      "",
      "{",
      "null",
      "[]",
      "[{}]",
      '"query"',
      "123",
      '{"query": 123}',
      '{"query": null}',
      '{"query": ["{ me { id } }"]}',
      '{"query": "{ me { id } }", "variables": "x"}',
      '{"query": "{ me { id } }", "variables": [1]}',
      '{"query": "{ me { id } }", "operationName": 5}',
      '{"query": "{ me { id } }", "operationName": "Nope"}',
      '{"query": "{ me { id } }", "extensions": "x"}',
      '{"query": "{ me { id } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}',
      `{"query": "{ me { id } }", "variables": ${"[".repeat(5_000)}${"]".repeat(5_000)}}`,
      '{"query": "query Q($a: JSON) { me { id } }", "variables": {"a": "\\ud800"}}',
      '{"query": "\\u0000"}',
      "\xff\xfe{\u0000\"",
    ];
    const failures: Failure[] = [];
    for (const body of bodies) {
      const response = await server.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}`, "x-tenant": tenant },
        body,
      });
      const text = await response.text();
      const problems = problemsOf(response.status, text);
      if (problems.length > 0) failures.push({ where: problems.join(", "), request: body.slice(0, 200), answer: text.slice(0, 600) });
    }
    expect(failures).toEqual([]);
    await expectAlive();
  });

  it("answers generated operations over one WebSocket per error, keeping the socket open", async () => {
    const fuzzer = createFuzzer(schema, SEED + 1, { uuids: ids });
    const operationAt = () => {
      const roll = fuzzer.random();
      return fuzzer.next(roll < 0.4 ? "subscription" : roll < 0.75 ? "query" : "mutation");
    };
    const failures: Failure[] = [];
    const oversized: FuzzRequest[] = [];
    const socket = await openRawSocket(server);
    try {
      await socket.init({ Authorization: `Bearer ${owner.token}`, "X-Tenant": tenant });
      for (let at = 0; at < COUNT / 5 && !socket.closed; at += 10) {
        const batch = new Map(Array.from({ length: 10 }, (_, i) => [`op-${at + i}`, operationAt()] as const));
        for (const [id, op] of batch) {
          // A frame past the limit is refused by closing the socket (1009), not answered as an
          // error: those go to sockets of their own below.
          if (Buffer.byteLength(JSON.stringify({ id, type: "subscribe", payload: { query: op.query, variables: op.variables } })) > MAX_SOCKET_MESSAGE_BYTES) {
            oversized.push(op);
            batch.delete(id);
          }
        }
        for (const [id, op] of batch) socket.subscribe(id, op.query, op.variables);
        await settle(socket, batch, failures);
        // Read afresh: the loop's check narrowed `closed` to null, but settling may close it.
        const closed = socket.closed as RawGraphQLSocket["closed"];
        if (closed) failures.push({ where: `socket closed (${closed.code} ${closed.reason})`, request: [...batch.values()], answer: "" });
      }
      for (const message of socket.messages) {
        const answer = JSON.stringify(message);
        const problems = problemsOf(200, answer);
        if (problems.length > 0) failures.push({ where: problems.join(", "), request: message.id, answer: answer.slice(0, 600) });
      }
    } finally {
      await socket.close();
    }
    // The refusal is a log line, not a stack trace on the console.
    const consoleErrors = vi.spyOn(console, "error");
    try {
      for (const op of oversized.slice(0, 3)) {
        const own = await openRawSocket(server);
        await own.init({ Authorization: `Bearer ${owner.token}`, "X-Tenant": tenant });
        own.subscribe("oversized", op.query, op.variables);
        const closed = await own.waitClosed();
        if (closed.code !== 1009) failures.push({ where: `oversized message closed the socket with ${closed.code}`, request: op.query.slice(0, 200), answer: "" });
      }
      expect(consoleErrors).not.toHaveBeenCalled();
    } finally {
      consoleErrors.mockRestore();
    }
    expect(failures.slice(0, 5), `${failures.length} failing answers (seed ${SEED + 1})`).toEqual([]);
    await expectAlive();
  }, 300_000);
});

/**
 * Waits until every operation of `batch` has ended (error or complete). A subscription still
 * open after a short while is completed by the client, as a user leaving; a query or mutation
 * with no answer within a bounded wait is a failure.
 */
async function settle(socket: RawGraphQLSocket, batch: Map<string, FuzzRequest>, failures: Failure[]) {
  const started = Date.now();
  const ended = (id: string) => socket.messages.some((m) => m.id === id && (m.type === "error" || m.type === "complete"));
  for (;;) {
    const open = [...batch].filter(([id]) => !ended(id));
    if (open.length === 0 || socket.closed) return;
    const waited = Date.now() - started;
    if (waited > 300 && open.every(([, op]) => op.operation === "subscription")) {
      for (const [id] of open) socket.complete(id);
      return;
    }
    if (waited > 15_000) {
      for (const [id, op] of open) failures.push({ where: `no answer for ${id}`, request: op, answer: "" });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
