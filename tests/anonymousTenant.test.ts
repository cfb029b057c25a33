/**
 * Anonymous requests learn their tenant without reading a table once it is known, and never
 * from a stale memory: a renamed or deleted tenant stops being served under its old slug at
 * once, in this process and (over Redis) in every other one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, newTenant, uniqueSlug, type TenantHandle } from "./helpers/actors.js";
import { needsRedis } from "./helpers/runRedis.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { countStatements } from "./helpers/statements.js";

const ADMIN_TOKEN = `admin-${uniqueSlug("token")}-0123456789`;
const PUBLIC_BOARDS = "{ publicBoards { id title } }";

const redis = needsRedis("tenant changes across processes");
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN });
});
afterAll(() => server?.close());

/** A tenant with one public board, created through the API. */
async function tenantWithPublicBoard(on: TestServer): Promise<{ tenant: TenantHandle; boardId: string }> {
  const tenant = await newTenant(on);
  const owner = await tenant.user("owner");
  const created = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "shown", isPublic: true }) { id } }`);
  return { tenant, boardId: created.createBoard.id };
}

const anonymousBoards = async (on: TestServer, slug: string) =>
  expectData(await on.gql<{ publicBoards: Array<{ id: string }> }>(PUBLIC_BOARDS, undefined, { tenant: slug })).publicBoards.map((b) => b.id);

const admin = (on: TestServer, method: string, tenantId: string, body?: unknown) =>
  on.fetch(`/api/setup/tenant/${tenantId}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe("anonymous requests", () => {
  it("read no table to learn their tenant once it is known", async () => {
    const { tenant } = await tenantWithPublicBoard(server);
    const me = () => server.gql("{ me { id } }", undefined, { tenant: tenant.slug });
    await me();
    expect(await countStatements(server.pool, me)).toBe(0);
    // The page itself is one statement: nothing is spent on who is asking.
    expect(await countStatements(server.pool, () => anonymousBoards(server, tenant.slug))).toBe(1);
  });

  it("stop seeing a renamed tenant under its old slug, and see it under the new one", async () => {
    const { tenant, boardId } = await tenantWithPublicBoard(server);
    expect(await anonymousBoards(server, tenant.slug)).toEqual([boardId]);
    const renamed = uniqueSlug("renamed");
    expect((await admin(server, "PUT", tenant.id, { slug: renamed })).status).toBe(200);
    expect(await anonymousBoards(server, tenant.slug)).toEqual([]);
    expect(await anonymousBoards(server, renamed)).toEqual([boardId]);
  });

  it("stop seeing a deleted tenant, even when a new one takes its slug", async () => {
    const { tenant, boardId } = await tenantWithPublicBoard(server);
    expect(await anonymousBoards(server, tenant.slug)).toEqual([boardId]);
    expect((await admin(server, "DELETE", tenant.id)).status).toBe(200);
    expect(await anonymousBoards(server, tenant.slug)).toEqual([]);
    // Made through another process, so that nothing in this one learns the new tenant's id.
    const elsewhere = await startServer();
    const reborn = await newTenant(elsewhere, tenant.slug);
    const owner = await reborn.user("owner");
    const again = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "new", isPublic: true }) { id } }`);
    await elsewhere.close();
    expect(await anonymousBoards(server, tenant.slug)).toEqual([again.createBoard.id]);
  });
});

describe.skipIf(!redis.url)(redis.title, () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    [first, second] = await Promise.all([
      startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, BOARDS_REDIS_URL: redis.url! }),
      startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, BOARDS_REDIS_URL: redis.url! }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it("a rename through one process is heard by the other before it answers again", async () => {
    const { tenant, boardId } = await tenantWithPublicBoard(first);
    const known = () => countStatements(second.pool, () => second.gql("{ me { id } }", undefined, { tenant: tenant.slug }));
    // The second process comes to know the tenant's id once it listens to changes over Redis.
    expect(await anonymousBoards(second, tenant.slug)).toEqual([boardId]);
    await expect.poll(known, { timeout: 5000 }).toBe(0);
    expect((await admin(first, "PUT", tenant.id, { slug: uniqueSlug("moved") })).status).toBe(200);
    // The change travels over Redis; the next request of the second process reads the tenant again.
    await expect.poll(known, { timeout: 5000 }).toBe(1);
    expect(await anonymousBoards(second, tenant.slug)).toEqual([]);
  });
});
