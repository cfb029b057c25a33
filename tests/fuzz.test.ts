/**
 * Fuzzing the public GraphQL interface: a few thousand seeded operations built from the schema
 * (valid and malformed) over HTTP and over WebSocket, from the owner of a real board, an
 * anonymous caller and a caller with a bad token. Not one answer may be a 5xx or an
 * INTERNAL_SERVER_ERROR, none may carry a stack trace or SQL, and the server must still serve
 * at the end. BOARDS_FUZZ_SEED replays a run; BOARDS_FUZZ_COUNT scales it.
 */
import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { createFuzzer, type FuzzRequest } from "./helpers/fuzzDocuments.js";
import { awaitCompleted, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

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
    errors = (JSON.parse(body) as { errors?: unknown }).errors ?? (JSON.parse(body) as { payload?: unknown }).payload;
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
    const socket = await openSocket({ Authorization: `Bearer ${owner.token}`, "X-Tenant": tenant });
    try {
      for (let at = 0; at < COUNT / 5; at += 10) {
        const batch = Array.from({ length: 10 }, operationAt);
        await Promise.all(batch.map((op, i) => runOverSocket(socket, `op-${at + i}`, op, failures)));
        if (socket.ws.readyState !== WebSocket.OPEN) {
          failures.push({ where: `socket closed (${socket.closeCode} ${socket.closeReason})`, request: batch, answer: "" });
          break;
        }
      }
    } finally {
      socket.ws.close();
    }
    expect(failures.slice(0, 5), `${failures.length} failing answers (seed ${SEED + 1})`).toEqual([]);
    await expectAlive();
  }, 300_000);
});

type Socket = {
  ws: WebSocket;
  closeCode?: number;
  closeReason?: string;
  /** Waiters for messages of an operation id. */
  listeners: Map<string, (message: { type: string; payload?: unknown }) => void>;
};

async function openSocket(connectionParams: Record<string, string>): Promise<Socket> {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
  const socket: Socket = { ws, listeners: new Map() };
  ws.on("close", (code, reason) => {
    socket.closeCode = code;
    socket.closeReason = reason.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no connection_ack")), 10_000);
    ws.once("error", reject);
    ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: connectionParams })));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: unknown };
      if (message.type === "connection_ack") {
        clearTimeout(timer);
        resolve();
      } else if (message.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      } else if (message.id) {
        socket.listeners.get(message.id)?.(message);
      }
    });
  });
  return socket;
}

/**
 * Sends one operation and collects its messages until it ends (error or complete); a
 * subscription still open after a short while is completed by the client, as a user leaving.
 */
async function runOverSocket(socket: Socket, id: string, op: FuzzRequest, failures: Failure[]) {
  if (socket.ws.readyState !== WebSocket.OPEN) return;
  const answers: string[] = [];
  await new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      socket.listeners.delete(id);
      resolve();
    };
    const timer = setTimeout(() => {
      if (socket.ws.readyState === WebSocket.OPEN) socket.ws.send(JSON.stringify({ id, type: "complete" }));
      finish();
    }, op.operation === "subscription" ? 300 : 10_000);
    socket.listeners.set(id, (message) => {
      answers.push(JSON.stringify(message));
      if (message.type === "error" || message.type === "complete") finish();
    });
    socket.ws.once("close", finish);
    socket.ws.send(JSON.stringify({ id, type: "subscribe", payload: { query: op.query, variables: op.variables } }));
  });
  for (const answer of answers) {
    const problems = problemsOf(200, answer);
    if (problems.length > 0) failures.push({ where: problems.join(", "), request: op, answer: answer.slice(0, 600) });
  }
}
