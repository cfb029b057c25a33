/**
 * Operational surface: /health, /ready, request ids, GraphiQL, and graceful shutdown of the real
 * entry point.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { startMainProcess, type LogLine, type MainProcess } from "./helpers/mainProcess.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { rawRequest } from "./helpers/rawHttp.js";
import { needsRedis } from "./helpers/runRedis.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const packageVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

function missingDatabaseUrl(): string {
  const url = new URL(inject("databaseUrl"));
  url.pathname = `/boards_missing_${randomBytes(6).toString("hex")}`;
  return url.toString();
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("GET /health", () => {
  it("answers 200 with the status and the package version", async () => {
    const response = await server.fetch("/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: "healthy", version: packageVersion });
  });

  it("stays healthy while the database is unreachable (liveness only)", async () => {
    const noDatabase = await startServer({ BOARDS_DATABASE_URL: missingDatabaseUrl() });
    try {
      const response = await noDatabase.fetch("/health");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "healthy", version: packageVersion });
    } finally {
      await noDatabase.close();
    }
  });
});

describe("GET /ready", () => {
  it("answers 200 with the database check when no Redis is configured", async () => {
    const response = await server.fetch("/ready");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { database: "ok" } });
  });

  const redis = needsRedis("also checks Redis when BOARDS_REDIS_URL is set");
  it.skipIf(!redis.url)(redis.title, async () => {
    const withRedis = await startServer({ BOARDS_REDIS_URL: redis.url! });
    try {
      const response = await withRedis.fetch("/ready");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ready", checks: { database: "ok", redis: "ok" } });
    } finally {
      await withRedis.close();
    }
  });

  it("answers 503 naming Redis when Redis is unreachable", async () => {
    const badRedis = await startServer({ BOARDS_REDIS_URL: "redis://127.0.0.1:1" });
    try {
      const response = await badRedis.fetch("/ready");
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "ok", redis: "unreachable" } });
    } finally {
      await badRedis.close();
    }
  });

  it("answers 503 naming the database when the database is unreachable", async () => {
    const noDatabase = await startServer({ BOARDS_DATABASE_URL: missingDatabaseUrl() });
    try {
      const response = await noDatabase.fetch("/ready");
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "unreachable" } });
    } finally {
      await noDatabase.close();
    }
  });

  it("answers 503 naming both when both are unreachable", async () => {
    const neither = await startServer({ BOARDS_DATABASE_URL: missingDatabaseUrl(), BOARDS_REDIS_URL: "redis://127.0.0.1:1" });
    try {
      const response = await neither.fetch("/ready");
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: "unavailable", checks: { database: "unreachable", redis: "unreachable" } });
    } finally {
      await neither.close();
    }
  });
});

describe("x-request-id", () => {
  it("is on every response, a fresh UUID per request when none is given", async () => {
    const expiredToken = await signToken({ sub: "expired-request-id", expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const json = { "content-type": "application/json" };
    const body = JSON.stringify({ query: "{ me { id } }" });
    const responses: Array<[string, Promise<{ status: number; id: string | null }>]> = [];
    const viaFetch = (label: string, path: string, init?: RequestInit) =>
      responses.push([
        label,
        server.fetch(path, init).then(async (r) => {
          await r.arrayBuffer();
          return { status: r.status, id: r.headers.get("x-request-id") };
        }),
      ]);
    viaFetch("health", "/health");
    viaFetch("ready", "/ready");
    viaFetch("graphql", "/graphql", { method: "POST", headers: json, body });
    viaFetch("graphiql", "/graphql", { headers: { accept: "text/html" } });
    viaFetch("bad tenant", "/graphql", { method: "POST", headers: { ...json, "x-tenant": "Bad_Slug" }, body });
    viaFetch("bad token", "/graphql", { method: "POST", headers: { ...json, authorization: `Bearer ${expiredToken}` }, body });
    viaFetch("csrf", `/graphql?query=${encodeURIComponent("{ __typename }")}`);
    viaFetch("unknown path", "/no-such-path");
    const raw = (label: string, options: Parameters<typeof rawRequest>[1]) =>
      responses.push([
        label,
        rawRequest(`${server.url}/graphql`, options).then((r) => ({ status: r.status, id: (r.headers["x-request-id"] as string | undefined) ?? null })),
      ]);
    raw("too large", { method: "POST", headers: { ...json, "content-length": 2_000_000 }, headersOnly: true });
    raw("no length", { method: "POST", headers: json, body });

    const results = await Promise.all(responses.map(async ([label, promise]) => ({ label, ...(await promise) })));
    expect(results.map(({ label, status }) => [label, status])).toEqual([
      ["health", 200],
      ["ready", 200],
      ["graphql", 200],
      ["graphiql", 200],
      ["bad tenant", 400],
      ["bad token", 401],
      ["csrf", 403],
      ["unknown path", 404],
      ["too large", 413],
      ["no length", 411],
    ]);
    for (const { label, id } of results) expect(id, label).toMatch(UUID);
    expect(new Set(results.map(({ id }) => id)).size).toBe(results.length);
  });

  it.each(["abc", "req-123.abc_DEF", "a".repeat(100)])("echoes a valid incoming X-Request-Id (%s)", async (id) => {
    const health = await server.fetch("/health", { headers: { "x-request-id": id } });
    expect(health.headers.get("x-request-id")).toBe(id);
    const graphql = await server.gql("{ me { id } }", undefined, { headers: { "x-request-id": id } });
    expect(graphql.headers.get("x-request-id")).toBe(id);
    const refused = await server.gql("{ me { id } }", undefined, { headers: { "x-request-id": id, "x-tenant": "Bad_Slug" } });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("x-request-id")).toBe(id);
  });

  it.each(["has space", "semi;colon", "a".repeat(101), "<script>"])("replaces an invalid incoming X-Request-Id (%s) with a UUID", async (id) => {
    const response = await server.fetch("/health", { headers: { "x-request-id": id } });
    const echoed = response.headers.get("x-request-id");
    expect(echoed).not.toBe(id);
    expect(echoed).toMatch(UUID);
  });
});

describe("GraphiQL", () => {
  const openGraphiql = (target: TestServer) => target.fetch("/graphql", { headers: { accept: "text/html" } });

  async function expectGraphiql(response: Response) {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("<title>boards-server</title>");
    // GraphiQL's own requests must carry the CSRF header, or every GET query would be refused.
    expect(html).toContain("x-graphql-yoga-csrf");
  }

  async function expectNoGraphiql(response: Response) {
    expect(response.status).not.toBe(200);
    expect(response.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    expect(await response.text()).not.toMatch(/<html|graphiql/i);
  }

  it("is served at GET /graphql to a browser in development, without the CSRF header", async () => {
    const development = await startServer({ BOARDS_ENVIRONMENT: "development" });
    try {
      await expectGraphiql(await openGraphiql(development));
    } finally {
      await development.close();
    }
  });

  it("is not served in production", async () => {
    const production = await startServer({ BOARDS_ENVIRONMENT: "production" });
    try {
      await expectNoGraphiql(await openGraphiql(production));
    } finally {
      await production.close();
    }
  });

  it("follows BOARDS_GRAPHIQL over the environment default", async () => {
    const productionOn = await startServer({ BOARDS_ENVIRONMENT: "production", BOARDS_GRAPHIQL: "true" });
    const developmentOff = await startServer({ BOARDS_ENVIRONMENT: "development", BOARDS_GRAPHIQL: "false" });
    try {
      await expectGraphiql(await openGraphiql(productionOn));
      await expectNoGraphiql(await openGraphiql(developmentOff));
    } finally {
      await productionOn.close();
      await developmentOff.close();
    }
  });
});

describe("graceful shutdown of src/main.ts", () => {
  let main: MainProcess | undefined;
  // The process runs a job worker, whose sweeps release jobs and fail generations they take
  // for lost: on a database of its own, it can touch no other suite's rows.
  let database: ThrowawayDatabase;
  beforeAll(async () => {
    database = await privateDatabase("operations");
  });
  afterEach(async () => {
    main?.kill();
    await main?.exited;
    main = undefined;
  });
  afterAll(async () => {
    await database?.drop();
  });

  const isListening = (line: LogLine) => line.msg === "boards-server listening";

  function startMain(): MainProcess {
    main = startMainProcess({
      BOARDS_ENVIRONMENT: "development",
      BOARDS_API_HOST: "127.0.0.1",
      BOARDS_API_PORT: "0",
      BOARDS_DATABASE_URL: database.url,
      BOARDS_DATABASE_POOL_SIZE: "2",
      BOARDS_AUTH_PROVIDER: "jwt",
      BOARDS_JWT_SECRET: TEST_JWT_SECRET,
      BOARDS_LOG_LEVEL: "info",
    });
    return main;
  }

  async function listeningPort(running: MainProcess): Promise<number> {
    const line = await running.waitForLog(isListening);
    expect(line).toMatchObject({ auth: "jwt" });
    expect(typeof line.port).toBe("number");
    expect(line.port).toBeGreaterThan(0);
    return line.port as number;
  }

  it(
    "refuses to start with an invalid configuration, naming the problem, and exits 1",
    async () => {
      main = startMainProcess({
        BOARDS_ENVIRONMENT: "production",
        BOARDS_AUTH_PROVIDER: "none",
        BOARDS_API_HOST: "127.0.0.1",
        BOARDS_API_PORT: "0",
        BOARDS_DATABASE_URL: database.url,
      });
      expect(await main.exited, main.output()).toEqual({ code: 1, signal: null });
      expect(main.output()).toMatch(/BOARDS_AUTH_PROVIDER/);
      expect(main.logs.some(isListening)).toBe(false);
    },
    60_000,
  );

  it.each(["SIGTERM", "SIGINT"] as const)(
    "stops on %s and exits 0",
    async (signal) => {
      const running = startMain();
      const port = await listeningPort(running);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "healthy", version: packageVersion });

      running.child.kill(signal);
      expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
      const messages = running.logs.map((line) => line.msg);
      expect(messages).toContain("stopped");
      expect(running.logs.find((line) => line.msg === "shutting down")).toMatchObject({ signal });
    },
    60_000,
  );

  it(
    "completes a request in flight when SIGTERM arrives, then refuses new connections and exits 0",
    async () => {
      const running = startMain();
      const port = await listeningPort(running);

      // The request's headers announce a body and ask for 100-continue: once the server answers
      // "continue" it is handling the request, which stays in flight until the body is sent.
      const body = JSON.stringify({ query: "{ __typename me { id } }" });
      const req = request({
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue", "x-request-id": "in-flight-1" },
      });
      const continued = new Promise<void>((resolve) => req.once("continue", () => resolve()));
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on("error", reject);
        req.on("response", (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", reject);
        });
      });
      req.flushHeaders();
      await continued;

      running.child.kill("SIGTERM");
      await running.waitForLog((line) => line.msg === "shutting down");
      req.end(body);

      const result = await response;
      expect(result.status).toBe(200);
      expect(JSON.parse(result.text)).toEqual({ data: { __typename: "Query", me: null } });

      // The listener was closed before the in-flight request was answered.
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();

      expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
      const messages = running.logs.map((line) => line.msg);
      expect(messages).toContain("stopped");
      const requestLog = running.logs.find((line) => line.msg === "request" && line.requestId === "in-flight-1");
      expect(requestLog).toMatchObject({ method: "POST", path: "/graphql", status: 200 });
    },
    60_000,
  );
});
