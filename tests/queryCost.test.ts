/**
 * The DataLoaders hold: listing boards with owner, members { user } and generationCount costs
 * the same small number of SQL statements whatever the number of boards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, signToken } from "./helpers/actors.js";
import { seedBoards } from "./helpers/seedBoards.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { countStatements } from "./helpers/statements.js";

const BOARD_FIELDS = `id title owner { id displayName } members { role user { id displayName } } generationCount`;
const MY_BOARDS = `query($n: Int!) { myBoards(limit: $n) { ${BOARD_FIELDS} } }`;
const CONNECTION = `query($n: Int!) { boardsConnection(first: $n) { edges { cursor node { ${BOARD_FIELDS} } } pageInfo { hasNextPage } } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function measure(boards: number, query: string, pageSize: number) {
  const seeded = await seedBoards(server.prisma, { boards });
  const token = await signToken({ sub: seeded.ownerSubject });
  const options = { token, tenant: seeded.tenantSlug };
  let result: Awaited<ReturnType<TestServer["gql"]>> | undefined;
  const statements = await countStatements(server.pool, async () => {
    result = await server.gql(query, { n: pageSize }, options);
  });
  const data = expectData(result!) as Record<string, unknown>;
  return { statements, data };
}

describe("the statement counter", () => {
  const tenantCount = () => server.prisma.tenant.count();

  it("counts statements outside transactions", async () => {
    expect(await countStatements(server.pool, tenantCount)).toBe(1);
    expect(await countStatements(server.pool, async () => Promise.all([tenantCount(), tenantCount()]))).toBe(2);
  });

  it("counts statements inside Prisma's transactions: BEGIN, each statement, COMMIT", async () => {
    expect(await countStatements(server.pool, () => server.prisma.$transaction(async (tx) => tx.tenant.count()))).toBe(3);
    const two = await countStatements(server.pool, () =>
      server.prisma.$transaction(async (tx) => {
        await tx.tenant.count();
        await tx.user.count();
      }),
    );
    expect(two).toBe(4);
  });

  it("counts statements on a client checked out of the pool", async () => {
    const statements = await countStatements(server.pool, async () => {
      const client = await server.pool.connect();
      try {
        await client.query("SELECT 1");
        await client.query("SELECT 2");
      } finally {
        client.release();
      }
    });
    expect(statements).toBe(2);
  });
});

describe("statement counts do not grow with the number of boards", () => {
  it.each([10, 50, 200])("myBoards with owner, members and generationCount over %i boards", async (boards) => {
    const { statements, data } = await measure(boards, MY_BOARDS, boards);
    const list = data.myBoards as Array<{ members: unknown[]; generationCount: number; owner: { displayName: string } }>;
    expect(list).toHaveLength(boards);
    expect(list.every((b) => b.members.length === 2 && b.generationCount === 3 && b.owner.displayName === "Owner")).toBe(true);
    expect(statements).toBeLessThanOrEqual(5);
  });

  it.each([10, 50, 200])("boardsConnection page of up to 100 over %i boards", async (boards) => {
    const size = Math.min(boards, 100);
    const { statements, data } = await measure(boards, CONNECTION, size);
    const connection = data.boardsConnection as { edges: Array<{ node: { members: unknown[] } }>; pageInfo: { hasNextPage: boolean } };
    expect(connection.edges).toHaveLength(size);
    expect(connection.pageInfo.hasNextPage).toBe(boards > size);
    expect(statements).toBeLessThanOrEqual(5);
  });

  it("costs exactly the same for 10 and 200 boards", async () => {
    const small = await measure(10, MY_BOARDS, 10);
    const large = await measure(200, MY_BOARDS, 200);
    expect(large.statements).toBe(small.statements);
  });
});

describe("requests that read no data", () => {
  it("`{ __typename }` and introspection touch no table, even signed in; a bad token is still refused", async () => {
    const seeded = await seedBoards(server.prisma, { boards: 1 });
    const options = { token: await signToken({ sub: seeded.ownerSubject }), tenant: seeded.tenantSlug };
    for (const query of ["{ __typename }", "{ __schema { queryType { name } } }"]) {
      let result: Awaited<ReturnType<TestServer["gql"]>> | undefined;
      expect(await countStatements(server.pool, async () => (result = await server.gql(query, undefined, options))), query).toBe(0);
      expectData(result!);
    }
    const refused = await server.gql("{ __typename }", undefined, { token: "not.a.token", tenant: seeded.tenantSlug });
    expect(refused.status).toBe(401);
    // Anything else looks the signed-in viewer up, in one statement (anonymous callers: see anonymousTenant.test.ts).
    expect(await countStatements(server.pool, () => server.gql("{ me { id } }", undefined, options))).toBe(1);
  });
});
