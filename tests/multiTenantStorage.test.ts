/** In multi-tenant mode stored files are still fetched by key alone: an <img src> sends no X-Tenant. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { newTenant } from "./helpers/actors.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ BOARDS_MULTI_TENANT_MODE: "true", BOARDS_TENANT_AUTO_CREATE: "true" });
});
afterAll(() => server.close());

it("serves stored files of a public board without an X-Tenant header while GraphQL still requires one", async () => {
  const owner = await (await newTenant(server)).user("owner");
  const { createBoard } = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "open", isPublic: true }) { id } }`);
  const board = await server.prisma.board.findUniqueOrThrow({ where: { id: createBoard.id } });
  const key = `${board.tenantId}/image/${board.id}/g1_20260101000000_abcdef12/original`;
  await server.runtime.storage.provider("local").put(key, Buffer.from("pixels"), { contentType: "image/png" });
  const file = await server.fetch(`/api/storage/${key}`);
  expect(file.status).toBe(200);
  expect(await file.text()).toBe("pixels");
  const graphql = await server.fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ me { id } }" }) });
  expect(graphql.status).toBe(400);
});
