/**
 * `Board.generationsConnection` under a list of boards is fetched for all boards at once: the
 * page each board gets — edges, cursors, pageInfo, totalCount, tags — is exactly what
 * `generationsConnection(boardId:)` gives for that board alone, for every kind of page (first,
 * after, last, before, offset, filters, each ordering); and the whole nested query costs the
 * same handful of SQL statements for 5 boards as for 40.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, signToken } from "./helpers/actors.js";
import { seedBoards, type SeededBoards } from "./helpers/seedBoards.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { countStatements } from "./helpers/statements.js";

const PAGE_FIELDS = `totalCount edges { cursor node { id status generatorName tags { name } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const ARGS = `$filter: GenerationFilter, $orderBy: [GenerationOrderBy!], $first: Int, $after: String, $last: Int, $before: String, $limit: Int, $offset: Int`;
const PASS = `filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before, limit: $limit, offset: $offset`;
const NESTED = `query($boards: Int!, ${ARGS}) { boardsConnection(first: $boards) { nodes { id generationsConnection(${PASS}) { ${PAGE_FIELDS} } } } }`;
const ALONE = `query($boardId: UUID!, ${ARGS}) { generationsConnection(boardId: $boardId, ${PASS}) { ${PAGE_FIELDS} } }`;

type Page = { totalCount: number; edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { endCursor: string | null; startCursor: string | null } };

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

/** Boards with 12 generations each, varied in status, generator and creation time (ties included), some tagged. */
async function seed(boards: number): Promise<SeededBoards & { options: { token: string; tenant: string } }> {
  const seeded = await seedBoards(server.prisma, { boards, generationsPerBoard: 12 });
  await server.pool.query(
    `WITH numbered AS (SELECT id, row_number() OVER (ORDER BY board_id, id) AS n FROM generations WHERE board_id = ANY($1::uuid[]))
     UPDATE generations g SET
       generator_name = 'gen-' || (numbered.n % 3),
       status = (CASE WHEN numbered.n % 4 = 0 THEN 'failed' ELSE 'completed' END)::generation_status,
       created_at = timestamptz '2026-03-01' + (numbered.n / 2) * interval '1 minute'
     FROM numbered WHERE g.id = numbered.id`,
    [seeded.boardIds],
  );
  const tenant = await server.prisma.tenant.findUniqueOrThrow({ where: { slug: seeded.tenantSlug } });
  const tags = await Promise.all(["red", "blue"].map((name) => server.prisma.tag.create({ data: { tenantId: tenant.id, name, slug: name } })));
  const generations = await server.prisma.generation.findMany({ where: { boardId: { in: seeded.boardIds } }, select: { id: true }, orderBy: { id: "asc" } });
  await server.prisma.generationTag.createMany({ data: generations.flatMap((g, i) => tags.slice(0, i % 3).map((t) => ({ generationId: g.id, tagId: t.id }))) });
  return { ...seeded, options: { token: await signToken({ sub: seeded.ownerSubject }), tenant: seeded.tenantSlug } };
}

describe("nested generation connections", () => {
  let seeded: Awaited<ReturnType<typeof seed>>;
  beforeAll(async () => {
    seeded = await seed(6);
  });

  const nested = async (variables: Record<string, unknown>) => {
    const data = expectData(await server.gql<{ boardsConnection: { nodes: Array<{ id: string; generationsConnection: Page }> } }>(NESTED, { boards: 10, ...variables }, seeded.options));
    return data.boardsConnection.nodes;
  };
  const alone = async (boardId: string, variables: Record<string, unknown>) =>
    expectData(await server.gql<{ generationsConnection: Page }>(ALONE, { boardId, ...variables }, seeded.options)).generationsConnection;

  it.each<[string, Record<string, unknown>]>([
    ["the first page", { first: 5 }],
    ["the last page", { last: 4 }],
    ["an offset page", { limit: 3, offset: 4 }],
    ["an offset past the end", { limit: 3, offset: 40 }],
    ["by generator name, ascending", { first: 4, orderBy: [{ field: "GENERATOR_NAME", direction: "ASC" }] }],
    ["by generator name then creation, mixed directions", { first: 7, orderBy: [{ field: "GENERATOR_NAME", direction: "DESC" }, { field: "CREATED_AT", direction: "ASC" }] }],
    ["with a filter", { first: 5, filter: { status: { equals: "COMPLETED" }, generatorName: { in: ["gen-0", "gen-2"] } } }],
    ["with a filter that matches nothing", { first: 5, filter: { status: { equals: "CANCELLED" } } }],
  ])("%s is what each board's own connection gives", async (_, variables) => {
    const boards = await nested(variables);
    expect(boards).toHaveLength(6);
    for (const board of boards) expect(board.generationsConnection, board.id).toEqual(await alone(board.id, variables));
  });

  it("pages after and before a cursor the same way", async () => {
    const orderings = [undefined, [{ field: "CREATED_AT", direction: "ASC" }], [{ field: "GENERATOR_NAME", direction: "ASC" }]];
    for (const orderBy of orderings) {
      const first = await alone(seeded.boardIds[0]!, { first: 3, orderBy });
      for (const variables of [
        { first: 4, after: first.pageInfo.endCursor, orderBy },
        { last: 2, before: first.pageInfo.endCursor, orderBy },
      ]) {
        const boards = await nested(variables);
        for (const board of boards) expect(board.generationsConnection, JSON.stringify(variables)).toEqual(await alone(board.id, variables));
        expect(boards.some((b) => b.generationsConnection.edges.length > 0)).toBe(true);
      }
    }
  });

  it("refuses a bad cursor or filter as the connection alone does", async () => {
    for (const variables of [{ first: 2, after: "not-a-cursor" }, { first: 2, filter: { AND: [{ AND: [{ AND: [{ AND: [{ AND: [{ AND: [{ status: { equals: "FAILED" } }] }] }] }] }] }] } }]) {
      const result = await server.gql(NESTED, { boards: 10, ...variables }, seeded.options);
      expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});

describe("the nested query's statements", () => {
  it("are as many for 40 boards as for 5: one per nesting level, whatever the page size", async () => {
    const counts: number[] = [];
    for (const boards of [5, 40]) {
      const seeded = await seed(boards);
      const query = `query($n: Int!) { boardsConnection(first: $n) { nodes { id owner { id } generationsConnection(first: 10) { totalCount nodes { id status storageUrl tags { name } } } } } }`;
      let result: Awaited<ReturnType<TestServer["gql"]>> | undefined;
      counts.push(await countStatements(server.pool, async () => (result = await server.gql(query, { n: boards }, seeded.options))));
      const data = expectData(result!) as { boardsConnection: { nodes: Array<{ generationsConnection: { totalCount: number; nodes: unknown[] } }> } };
      expect(data.boardsConnection.nodes).toHaveLength(boards);
      expect(data.boardsConnection.nodes.every((b) => b.generationsConnection.totalCount === 12 && b.generationsConnection.nodes.length === 10)).toBe(true);
    }
    expect(counts[1]).toBe(counts[0]);
    // Viewer, boards, owners, the pages' ids and rows, their counts, tags.
    expect(counts[0]).toBeLessThanOrEqual(7);
  });
});
