/**
 * Client input the HTTP layer must refuse cleanly, without leaving anything behind: GraphQL
 * subscriptions sent as multipart requests, request paths with broken %-escapes, clients that
 * leave before their body is read, and timeouts that cannot work together.
 */
import { watch } from "node:fs";
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.js";
import { signToken, type Actor } from "./helpers/actors.js";
import { pollUntil } from "./helpers/faultHarness.js";
import { openProgressStream } from "./helpers/live.js";
import { submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";
import { rawRequest } from "./helpers/rawHttp.js";
import { expectSpoolEmpty } from "./helpers/spool.js";
import { uploadScene, type UploadScene } from "./helpers/uploadScene.js";

let scene: UploadScene;
let server: TestServer;
let owner: Actor;
let spool: string;
let publicBoardId: string;

const CSRF = { "x-graphql-yoga-csrf": "1" };

beforeAll(async () => {
  scene = await uploadScene("http requests", 64 * 1024);
  ({ server, owner, spool } = scene);
  const created = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "public", isPublic: true }) { id } }`);
  publicBoardId = created.createBoard.id;
});
afterAll(() => scene.close());
afterEach(() => expectSpoolEmpty(spool));

/** A multipart POST /graphql of `operations` with an empty map; gives up after 10 s. */
async function multipartOperation(operations: Record<string, unknown>, headers: Record<string, string>) {
  const form = new FormData();
  form.append("operations", JSON.stringify(operations));
  form.append("map", "{}");
  const response = await fetch(`${server.url}/graphql`, { method: "POST", headers: { ...CSRF, ...headers }, body: form, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; data?: unknown } };
}

describe("a subscription sent as a multipart request", () => {
  const SUBSCRIBE = `subscription($b: UUID!) { boardGenerations(boardId: $b) { generation { id } } }`;
  const refusal = {
    status: 400,
    body: { errors: [{ message: "Subscriptions cannot be sent as multipart requests: use GraphQL over SSE or WebSocket", extensions: { code: "BAD_REQUEST" } }] },
  };

  it("is refused at once with 400, anonymously on a public board, leaving no spooled directory", async () => {
    expect(await multipartOperation({ query: SUBSCRIBE, variables: { b: publicBoardId } }, { "x-tenant": owner.tenant })).toEqual(refusal);
  });

  it("is refused when the document's operationName picks the subscription, and not when it picks a query", async () => {
    const query = `query Me { me { id } } ${SUBSCRIBE.replace("subscription(", "subscription Watch(")}`;
    const auth = { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant };
    expect(await multipartOperation({ query, operationName: "Watch", variables: { b: publicBoardId } }, auth)).toEqual(refusal);
    expect(await multipartOperation({ query, operationName: "Me", variables: { b: publicBoardId } }, auth)).toEqual({ status: 200, body: { data: { me: { id: owner.id } } } });
  });
});

describe("request paths with broken %-escapes", () => {
  it.each([
    ["GET", "/api/sse/generations/%E0%A4%A/progress"],
    ["GET", "/api/sse/generations/%ZZ/progress"],
    ["GET", "/api/storage/%E0%A4%A/original"],
    ["GET", "/api/storage/tenant/%C3%28.png"],
    ["GET", "/api/setup/tenant/%E0%A4%A"],
    ["PUT", "/api/setup/tenant/%"],
    ["GET", "/api/tenants/registration/status%ff"],
    ["POST", "/api/uploads/artifact%E0"],
    ["POST", "/graphql%E0%A4%A"],
  ])("%s %s answers 400", async (method, path) => {
    const response = await server.fetch(path, { method, headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: "Malformed percent-encoding in the request path" });
  });

  it("still serves well-formed escapes", async () => {
    const response = await server.fetch(`/api/sse/generations/${encodeURIComponent("not-an-id")}/progress`, {
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant },
    });
    expect(response.status).toBe(404);
  });
});

describe("a Host header that is not a host", () => {
  it.each(["/graphql?query=%7B__typename%7D", "/yoga-health"])("GET %s answers 400 without internals", async (path) => {
    const response = await rawRequest(`${server.url}${path}`, { headers: { host: "[zz", ...CSRF } });
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ detail: "Invalid Host header" });
  });
});

describe("a client that leaves before its upload is read", () => {
  /** Sends the headers and the start of a multipart body, then closes the connection at once. */
  function leaveEarly(path: string, headers: Record<string, string>): Promise<void> {
    return new Promise((resolve) => {
      const req = request(`${server.url}${path}`, {
        method: "POST",
        agent: false,
        headers: { ...headers, "content-type": "multipart/form-data; boundary=x", "transfer-encoding": "chunked" },
      });
      req.on("error", () => undefined);
      req.on("close", () => resolve());
      req.write(`--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`);
      req.once("socket", (socket) => socket.once("connect", () => setImmediate(() => req.destroy())));
    });
  }

  it("leaves no spooled directory behind, on the REST route and on /graphql", async () => {
    // Each request makes its directory once authenticated, possibly after the client has left:
    // watch for all of them before checking that they are gone.
    const made = new Set<string>();
    const watcher = watch(spool, (_event, name) => void (name && made.add(name)));
    const requests = 10;
    try {
      // Fresh users: their first request provisions them, so authentication takes a while and
      // the connection is gone before the route starts reading the body.
      for (let i = 0; i < requests / 2; i++) {
        const token = await signToken({ sub: `leaver-${i}-${owner.tenant}` });
        await leaveEarly("/api/uploads/artifact", { authorization: `Bearer ${token}`, "x-tenant": owner.tenant });
        await leaveEarly("/graphql", { ...CSRF, authorization: `Bearer ${token}`, "x-tenant": owner.tenant });
      }
      for (let i = 0; i < 200 && made.size < requests; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      watcher.close();
    }
    expect(made.size).toBe(requests);
    await expectSpoolEmpty(spool);
    expect((await server.fetch("/health")).status).toBe(200);
  });
});

describe("a live stream whose client left before it started", () => {
  /** Sends a whole request, then closes the connection without waiting for the answer. */
  function sendAndLeave(path: string, headers: Record<string, string>, body?: string): Promise<void> {
    return new Promise((resolve) => {
      const req = request(`${server.url}${path}`, { agent: false, headers, method: body === undefined ? "GET" : "POST" });
      req.on("error", () => undefined);
      req.on("close", () => resolve());
      req.once("socket", (socket) => socket.once("connect", () => setImmediate(() => req.destroy())));
      req.end(body);
    });
  }

  it.each([
    ["the Boards progress stream", (id: string) => ["/api/sse/generations/" + id + "/progress", undefined] as const],
    [
      "a GraphQL subscription over SSE",
      (id: string) => ["/graphql", JSON.stringify({ query: "subscription($id: UUID!) { generationProgress(id: $id) { phase } }", variables: { id } })] as const,
    ],
  ])("releases the event subscription of %s", async (_, target) => {
    // No worker runs here: the generation stays PENDING, its stream quiet.
    const g = await submitGeneration(owner, { boardId: publicBoardId, generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: "quiet" } });
    const headers = { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant };
    const [path, body] = target(g.id);
    for (let i = 0; i < 5; i++) {
      await sendAndLeave(path, body === undefined ? headers : { ...headers, "content-type": "application/json", accept: "text/event-stream" }, body);
    }
    // A stream opened after them and read to its first event: the server has got as far with
    // the ones before.
    const stream = await openProgressStream(server, g.id, headers);
    await stream.waitUntil(() => stream.payloads.length > 0, "the current state");
    stream.close();
    await pollUntil(() => server.runtime.events.activeSubscriptions(), (n) => n === 0, { what: "every subscription to be released" });
  });
});

describe("slow-client settings", () => {
  it("refuses a request timeout shorter than the headers timeout", () => {
    expect(() => loadEnv({ BOARDS_HTTP_HEADERS_TIMEOUT_MS: "30000", BOARDS_HTTP_REQUEST_TIMEOUT_MS: "10000" })).toThrow(
      /BOARDS_HTTP_REQUEST_TIMEOUT_MS: must not be shorter than BOARDS_HTTP_HEADERS_TIMEOUT_MS/,
    );
  });
});
