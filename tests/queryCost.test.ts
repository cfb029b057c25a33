/**
 * The DataLoaders hold: listing boards with owner, members { user } and generationCount costs
 * the same small number of SQL statements whatever the number of boards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, signToken } from "./helpers/actors.js";
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
  it("`{ __typename }`, introspection and the generator list touch no table, even signed in; a bad token is still refused", async () => {
    const seeded = await seedBoards(server.prisma, { boards: 1 });
    const options = { token: await signToken({ sub: seeded.ownerSubject }), tenant: seeded.tenantSlug };
    for (const query of ["{ __typename }", "{ __schema { queryType { name } } }", "{ generators { name inputSchema } }"]) {
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

describe("createGeneration", () => {
  const CREATE = `mutation($b: UUID!, $p: JSON!) { createGeneration(input: { boardId: $b, generatorName: "image-from-prompt", artifactType: IMAGE, inputParams: $p }) { id status } }`;
  const PARAMS = { prompt: "cost", width: 16, height: 16 };

  it("is two statements, for the owner and for an editor: the viewer, and the insert that checks the board", async () => {
    // Board 1 has the members as editors (seedBoards alternates viewer and editor roles).
    const seeded = await seedBoards(server.prisma, { boards: 2, membersPerBoard: 1, generationsPerBoard: 0 });
    const boardId = seeded.boardIds[1]!;
    for (const sub of [seeded.ownerSubject, `member-0-${seeded.tenantSlug}`]) {
      const options = { token: await signToken({ sub }), tenant: seeded.tenantSlug };
      let result: Awaited<ReturnType<TestServer["gql"]>> | undefined;
      expect(await countStatements(server.pool, async () => (result = await server.gql(CREATE, { b: boardId, p: PARAMS }, options))), sub).toBe(2);
      expect(expectData(result!)).toMatchObject({ createGeneration: { status: "PENDING" } });
    }
  });

  it("refuses a viewer with FORBIDDEN and an outsider with NOT_FOUND, before their input's errors, writing nothing", async () => {
    const seeded = await seedBoards(server.prisma, { boards: 1, membersPerBoard: 1, generationsPerBoard: 0 });
    const other = await seedBoards(server.prisma, { boards: 1, generationsPerBoard: 0 });
    const boardId = seeded.boardIds[0]!;
    const viewer = { token: await signToken({ sub: `member-0-${seeded.tenantSlug}` }), tenant: seeded.tenantSlug };
    const outsider = { token: await signToken({ sub: other.ownerSubject }), tenant: other.tenantSlug };
    for (const p of [PARAMS, { prompt: 42 }]) {
      expectError(await server.gql(CREATE, { b: boardId, p }, viewer), "FORBIDDEN");
      expectError(await server.gql(CREATE, { b: boardId, p }, outsider), "NOT_FOUND", "Board not found");
    }
    expect(await server.prisma.generation.count({ where: { boardId } })).toBe(0);
    // The board's owner with the bad input is told about the input.
    const owner = { token: await signToken({ sub: seeded.ownerSubject }), tenant: seeded.tenantSlug };
    expectError(await server.gql(CREATE, { b: boardId, p: { prompt: 42 } }, owner), "BAD_USER_INPUT");
  });
});
