/**
 * CORS on every endpoint, as Boards' middleware applies it: the REST routes a browser client
 * calls (uploads, the progress stream, stored files, setup) and the answers the HTTP layer gives
 * /graphql requests itself carry the same headers as Yoga's GraphQL answers, once, for allowed
 * origins only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { rawRequest } from "./helpers/rawHttp.js";
import { startServer, type TestServer } from "./helpers/server.js";

const APP = "https://app.example";
const OTHER = "https://evil.example";

let server: TestServer;
let owner: Actor;
beforeAll(async () => {
  server = await startServer({ BOARDS_CORS_ORIGINS: JSON.stringify([APP]) });
  owner = await (await newTenant(server)).user("owner");
});
afterAll(() => server.close());

const preflightTo = (target: TestServer, path: string, origin: string, method = "POST") =>
  rawRequest(`${target.url}${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, x-tenant" },
  });
const preflight = (path: string, origin: string) => preflightTo(server, path, origin);

describe("preflight requests", () => {
  it.each(["/api/uploads/artifact", "/api/sse/generations/00000000-0000-4000-8000-000000000000/progress", "/api/setup/tenant"])(
    "allow %s from an allowed origin, with credentials and the requested headers",
    async (path) => {
      const response = await preflight(path, APP);
      expect(response.status).toBe(204);
      expect(response.headers).toMatchObject({
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-headers": "authorization, x-tenant",
      });
      expect(response.headers["access-control-allow-methods"]).toContain("POST");
    },
  );

  it("allow nothing to another origin", async () => {
    const response = await preflight("/api/uploads/artifact", OTHER);
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(response.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("to /graphql are still answered by the GraphQL server, once", async () => {
    const response = await preflight("/graphql", APP);
    expect(response.status).toBeLessThan(300);
    expect(response.headers["access-control-allow-origin"]).toBe(APP);
  });
});

describe("answers", () => {
  it("of REST routes carry the origin, errors included, so the client can read them", async () => {
    const upload = await rawRequest(`${server.url}/api/uploads/artifact`, { method: "POST", headers: { origin: APP, "x-tenant": owner.tenant, "content-length": 0 } });
    expect(upload.status).toBe(401);
    expect(upload.headers["access-control-allow-origin"]).toBe(APP);
    const file = await rawRequest(`${server.url}/api/storage/t/image/b/missing_20260101000000_00000000/original`, { headers: { origin: APP } });
    expect(file.headers["access-control-allow-origin"]).toBe(APP);
    expect(file.headers["access-control-expose-headers"]).toContain("content-range");
  });

  it("of GraphQL carry the origin exactly once, including the answers given before GraphQL runs", async () => {
    const body = JSON.stringify({ query: "{ me { id } }" });
    const query = await rawRequest(`${server.url}/graphql`, {
      method: "POST",
      headers: { origin: APP, "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant },
      body,
    });
    expect(query.status).toBe(200);
    expect(query.headers["access-control-allow-origin"]).toBe(APP);
    const chunked = await rawRequest(`${server.url}/graphql`, { method: "POST", headers: { origin: APP, "content-type": "application/json" }, body });
    expect(chunked.status).toBe(411);
    expect(chunked.headers["access-control-allow-origin"]).toBe(APP);
  });

  it("carry no CORS grant for other origins", async () => {
    const file = await rawRequest(`${server.url}/api/storage/t/image/b/missing_20260101000000_00000000/original`, { headers: { origin: OTHER } });
    expect(file.headers["access-control-allow-origin"]).toBeUndefined();
    const body = JSON.stringify({ query: "{ __typename }" });
    const query = await rawRequest(`${server.url}/graphql`, { method: "POST", headers: { origin: OTHER, "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-tenant": owner.tenant }, body });
    // Yoga names an allowed origin instead of leaving the header out; either way not this one.
    expect(query.headers["access-control-allow-origin"]).not.toBe(OTHER);
  });
});

describe("an empty origin list", () => {
  it("grants no origin anywhere, GraphQL included", async () => {
    const closed = await startServer({ BOARDS_CORS_ORIGINS: "[]" });
    try {
      const body = JSON.stringify({ query: "{ __typename }" });
      const query = await rawRequest(`${closed.url}/graphql`, { method: "POST", headers: { origin: APP, "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-tenant": owner.tenant }, body });
      expect(query.headers["access-control-allow-origin"]).toBeUndefined();
      const upload = await preflightTo(closed, "/api/uploads/artifact", APP);
      expect(upload.headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      await closed.close();
    }
  });
});
