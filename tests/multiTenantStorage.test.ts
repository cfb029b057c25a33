/** In multi-tenant mode stored files are still fetched by key alone: an <img src> sends no X-Tenant. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ BOARDS_MULTI_TENANT_MODE: "true" });
});
afterAll(() => server.close());

it("serves stored files without an X-Tenant header while GraphQL still requires one", async () => {
  const key = "t1/image/b1/g1_20260101000000_abcdef12/original";
  await server.runtime.storage.put(key, Buffer.from("pixels"), { contentType: "image/png" });
  const file = await server.fetch(`/api/storage/${key}`);
  expect(file.status).toBe(200);
  expect(await file.text()).toBe("pixels");
  const graphql = await server.fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ me { id } }" }) });
  expect(graphql.status).toBe(400);
});
