/**
 * Relay connections over HTTP: boardsConnection, generationsConnection, Board.generationsConnection
 * and tagsConnection — keyset walks in both directions over rows with tied sort keys, pageInfo,
 * limit/offset, totalCount, argument errors, filters and board scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactType, GenerationStatus } from "../src/generated/prisma/client.js";
import { expectData, expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import {
  BOARDS,
  BOARD_GENERATIONS,
  GENERATIONS,
  TAGS,
  at,
  expectExactlyOnce,
  expectOrdered,
  fetchPage,
  idsOf,
  nodesOf,
  pager,
  request,
  seedOrderingWorld,
  walkBackward,
  walkForward,
  walkOffset,
  type BoardNode,
  type Caller,
  type GenerationNode,
  type OrderingWorld,
  type SortSpec,
  type Source,
  type TagNode,
  type Vars,
} from "./helpers/connectionsFixtures.js";
import { insertGeneration } from "./helpers/factories.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

type Direction = "ASC" | "DESC";
type OrderBy<F extends string> = Array<{ field: F; direction: Direction }>;

function specOf<N, F extends string>(orderBy: OrderBy<F>, keys: Record<F, (n: N) => string>): SortSpec<N> {
  return orderBy.map((o) => ({ key: keys[o.field], desc: o.direction === "DESC" }));
}

const label = (orderBy: OrderBy<string>) => orderBy.map((o) => `${o.field} ${o.direction}`).join(", ");

const BOARD_KEYS: Record<"CREATED_AT" | "UPDATED_AT" | "TITLE", (n: BoardNode) => string> = {
  CREATED_AT: (n) => n.createdAt,
  UPDATED_AT: (n) => n.updatedAt,
  TITLE: (n) => n.title,
};
const GENERATION_KEYS: Record<"CREATED_AT" | "UPDATED_AT" | "GENERATOR_NAME", (n: GenerationNode) => string> = {
  CREATED_AT: (n) => n.createdAt,
  UPDATED_AT: (n) => n.updatedAt,
  GENERATOR_NAME: (n) => n.generatorName,
};
const TAG_KEYS: Record<"NAME" | "SLUG" | "CREATED_AT" | "UPDATED_AT", (n: TagNode) => string> = {
  NAME: (n) => n.name,
  SLUG: (n) => n.slug,
  CREATED_AT: (n) => n.createdAt,
  UPDATED_AT: (n) => n.updatedAt,
};

function singleKeyOrders<F extends string>(fields: F[]): OrderBy<F>[] {
  return fields.flatMap((field) => (["ASC", "DESC"] as const).map((direction) => [{ field, direction }]));
}

/**
 * The whole list in one page must hold exactly the expected rows in the order's sequence; walking
 * it forward, backward and by offset in pages of `size` must give back that same sequence.
 */
async function checkWalks<N extends { id: string }>(opts: {
  caller: Caller;
  source: Source<N>;
  vars: Vars;
  spec: SortSpec<N>;
  expectedIds: string[];
  size: number;
  expectTies: boolean;
}) {
  const { caller, source, vars, spec, expectedIds, size } = opts;
  const total = expectedIds.length;
  const all = await fetchPage(caller, source, { ...vars, first: 100 });
  expect(all.totalCount).toBe(total);
  expect(all.pageInfo.hasNextPage).toBe(false);
  expect(all.pageInfo.hasPreviousPage).toBe(false);
  const order = nodesOf(all);
  expectExactlyOnce(order, expectedIds);
  const ties = expectOrdered(order, spec);
  if (opts.expectTies) expect(ties, "the fixture has rows tied on the sort key").toBeGreaterThan(0);

  const fetch = pager(caller, source, vars);
  expect(idsOf(await walkForward(fetch, size, total)), "forward walk").toEqual(idsOf(order));
  expect(idsOf(await walkBackward(fetch, size, total)), "backward walk").toEqual(idsOf(order));
  expect(idsOf(await walkOffset(fetch, size, total)), "offset walk").toEqual(idsOf(order));
}

// =============================================================================================

describe("keyset pagination over tied sort keys", () => {
  let world: OrderingWorld;
  beforeAll(async () => {
    world = await seedOrderingWorld(server);
  });

  describe("boardsConnection", () => {
    const orders: OrderBy<keyof typeof BOARD_KEYS>[] = [
      ...singleKeyOrders(["CREATED_AT", "UPDATED_AT", "TITLE"] as const),
      [
        { field: "TITLE", direction: "ASC" },
        { field: "CREATED_AT", direction: "DESC" },
      ],
      [
        { field: "UPDATED_AT", direction: "DESC" },
        { field: "TITLE", direction: "ASC" },
      ],
      [
        { field: "CREATED_AT", direction: "ASC" },
        { field: "UPDATED_AT", direction: "DESC" },
      ],
      [
        { field: "TITLE", direction: "DESC" },
        { field: "UPDATED_AT", direction: "ASC" },
        { field: "CREATED_AT", direction: "DESC" },
      ],
    ];

    it.each(orders.map((orderBy) => ({ name: label(orderBy), orderBy })))(
      "walks every board exactly once in order [$name], forward, backward and by offset",
      async ({ orderBy }) => {
        await checkWalks({
          caller: world.olga,
          source: BOARDS,
          vars: { orderBy },
          spec: specOf(orderBy, BOARD_KEYS),
          expectedIds: world.boardIds,
          size: 7,
          expectTies: orderBy.length === 1,
        });
      },
    );

    it("walks 45 boards sharing four titles one board per page in both directions", async () => {
      const orderBy = [{ field: "TITLE", direction: "ASC" }];
      const all = nodesOf(await fetchPage(world.olga, BOARDS, { orderBy, first: 100 }));
      const fetch = pager(world.olga, BOARDS, { orderBy });
      expect(idsOf(await walkForward(fetch, 1, 45))).toEqual(idsOf(all));
      expect(idsOf(await walkBackward(fetch, 1, 45))).toEqual(idsOf(all));
    });

    it("orders by most recent update when orderBy is absent or empty", async () => {
      const explicit = await fetchPage(world.olga, BOARDS, { orderBy: [{ field: "UPDATED_AT", direction: "DESC" }], first: 100 });
      const absent = await fetchPage(world.olga, BOARDS, { first: 100 });
      const empty = await fetchPage(world.olga, BOARDS, { orderBy: [], first: 100 });
      expectOrdered(nodesOf(absent), specOf([{ field: "UPDATED_AT", direction: "DESC" }], BOARD_KEYS));
      expect(idsOf(nodesOf(absent))).toEqual(idsOf(nodesOf(explicit)));
      expect(idsOf(nodesOf(empty))).toEqual(idsOf(nodesOf(explicit)));
    });

    it("takes ASC when an orderBy direction is omitted", async () => {
      const query = `{ conn: boardsConnection(orderBy: [{ field: TITLE }], first: 100) { nodes { id title } } }`;
      const data = await world.olga.ok<{ conn: { nodes: Array<{ id: string; title: string }> } }>(query);
      const asc = await fetchPage(world.olga, BOARDS, { orderBy: [{ field: "TITLE", direction: "ASC" }], first: 100 });
      expect(data.conn.nodes.map((n) => n.id)).toEqual(idsOf(nodesOf(asc)));
    });
  });

  describe("generationsConnection", () => {
    const orders: OrderBy<keyof typeof GENERATION_KEYS>[] = [
      ...singleKeyOrders(["CREATED_AT", "UPDATED_AT", "GENERATOR_NAME"] as const),
      [
        { field: "GENERATOR_NAME", direction: "ASC" },
        { field: "CREATED_AT", direction: "DESC" },
      ],
      [
        { field: "UPDATED_AT", direction: "DESC" },
        { field: "GENERATOR_NAME", direction: "DESC" },
      ],
    ];

    it.each(orders.map((orderBy) => ({ name: label(orderBy), orderBy })))(
      "walks every readable generation exactly once in order [$name]",
      async ({ orderBy }) => {
        await checkWalks({
          caller: world.olga,
          source: GENERATIONS,
          vars: { orderBy },
          spec: specOf(orderBy, GENERATION_KEYS),
          expectedIds: world.readableGenerationIds,
          size: 7,
          expectTies: orderBy.length === 1,
        });
      },
    );

    it("orders newest first when orderBy is absent", async () => {
      const explicit = await fetchPage(world.olga, GENERATIONS, { orderBy: [{ field: "CREATED_AT", direction: "DESC" }], first: 100 });
      const absent = await fetchPage(world.olga, GENERATIONS, { first: 100 });
      expect(idsOf(nodesOf(absent))).toEqual(idsOf(nodesOf(explicit)));
      expectOrdered(nodesOf(absent), specOf([{ field: "CREATED_AT", direction: "DESC" }], GENERATION_KEYS));
    });
  });

  describe("Board.generationsConnection", () => {
    const orders: OrderBy<keyof typeof GENERATION_KEYS>[] = [
      [{ field: "CREATED_AT", direction: "DESC" }],
      [{ field: "GENERATOR_NAME", direction: "ASC" }],
      [{ field: "UPDATED_AT", direction: "ASC" }],
      [
        { field: "GENERATOR_NAME", direction: "DESC" },
        { field: "UPDATED_AT", direction: "ASC" },
      ],
    ];

    it.each(orders.map((orderBy) => ({ name: label(orderBy), orderBy })))(
      "walks exactly the board's generations in order [$name]",
      async ({ orderBy }) => {
        await checkWalks({
          caller: world.olga,
          source: BOARD_GENERATIONS,
          vars: { board: world.boardA, orderBy },
          spec: specOf(orderBy, GENERATION_KEYS),
          expectedIds: world.boardAGenerationIds,
          size: 6,
          expectTies: orderBy.length === 1,
        });
      },
    );

    it("counts and pages each board separately when nested in boardsConnection", async () => {
      const data = await world.olga.ok<{
        boardsConnection: {
          nodes: Array<{ id: string; generationsConnection: { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: Array<{ boardId: string }> } }>;
        };
      }>(
        `query($ids: [UUID!]) { boardsConnection(filter: { id: { in: $ids } }, first: 10) {
          nodes { id generationsConnection(first: 2) { totalCount pageInfo { hasNextPage } nodes { boardId } } } } }`,
        { ids: [world.boardA, world.boardB] },
      );
      const byId = new Map(data.boardsConnection.nodes.map((n) => [n.id, n.generationsConnection]));
      expect(byId.size).toBe(2);
      expect(byId.get(world.boardA)?.totalCount).toBe(25);
      expect(byId.get(world.boardB)?.totalCount).toBe(15);
      for (const [boardId, conn] of byId) {
        expect(conn.nodes.map((n) => n.boardId)).toEqual([boardId, boardId]);
        expect(conn.pageInfo.hasNextPage).toBe(true);
      }
    });

    it("ANDs a boardId filter with the board itself", async () => {
      const other = await fetchPage(world.olga, BOARD_GENERATIONS, { board: world.boardA, filter: { boardId: { equals: world.boardB } } });
      expect(other.totalCount).toBe(0);
      expect(other.edges).toEqual([]);
      const same = await fetchPage(world.olga, BOARD_GENERATIONS, { board: world.boardA, filter: { boardId: { in: [world.boardA, world.boardB] } }, first: 100 });
      expectExactlyOnce(nodesOf(same), world.boardAGenerationIds);
    });
  });

  describe("generationsConnection(boardId:)", () => {
    it("restricts to one readable board", async () => {
      const page = await fetchPage(world.olga, GENERATIONS, { boardId: world.boardB, first: 100 });
      expectExactlyOnce(nodesOf(page), world.boardBGenerationIds);
      expect(page.totalCount).toBe(15);
    });

    it("is empty for a board the caller may not read, and includes a public board's generations", async () => {
      const hidden = await fetchPage(world.olga, GENERATIONS, { boardId: world.petePrivateBoard, first: 100 });
      expect(hidden.edges).toEqual([]);
      expect(hidden.totalCount).toBe(0);
      expect(hidden.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
      const visible = await fetchPage(world.olga, GENERATIONS, { boardId: world.petePublicBoard, first: 100 });
      expect(visible.totalCount).toBe(3);
      expect(new Set(nodesOf(visible).map((n) => n.boardId))).toEqual(new Set([world.petePublicBoard]));
    });
  });

  describe("tagsConnection", () => {
    const orders: OrderBy<keyof typeof TAG_KEYS>[] = [
      ...singleKeyOrders(["NAME", "SLUG", "CREATED_AT", "UPDATED_AT"] as const),
      [
        { field: "NAME", direction: "ASC" },
        { field: "CREATED_AT", direction: "DESC" },
      ],
    ];

    it.each(orders.map((orderBy) => ({ name: label(orderBy), orderBy })))(
      "walks every tag of the tenant exactly once in order [$name]",
      async ({ orderBy }) => {
        await checkWalks({
          caller: world.olga,
          source: TAGS,
          vars: { orderBy },
          spec: specOf(orderBy, TAG_KEYS),
          expectedIds: world.tagIds,
          size: 7,
          // Slugs are unique in a tenant.
          expectTies: orderBy.length === 1 && orderBy[0]!.field !== "SLUG",
        });
      },
    );

    it("orders by name when orderBy is absent", async () => {
      const explicit = await fetchPage(world.olga, TAGS, { orderBy: [{ field: "NAME", direction: "ASC" }], first: 100 });
      const absent = await fetchPage(world.olga, TAGS, { first: 100 });
      expect(idsOf(nodesOf(absent))).toEqual(idsOf(nodesOf(explicit)));
    });
  });

  // -------------------------------------------------------------------------------------------

  describe("pages, pageInfo and limit/offset", () => {
    const ORDER = [{ field: "TITLE", direction: "ASC" }];
    let all: BoardNode[];
    let cursors: string[];
    beforeAll(async () => {
      const page = await fetchPage(world.olga, BOARDS, { orderBy: ORDER, first: 100 });
      all = nodesOf(page);
      cursors = page.edges.map((e) => e.cursor);
      expect(all).toHaveLength(45);
    });
    const board = (vars: Vars) => fetchPage(world.olga, BOARDS, { orderBy: ORDER, ...vars });
    const slice = (from: number, to: number) => idsOf(all.slice(from, to));

    it("returns the first 20 rows without pagination arguments", async () => {
      const page = await board({});
      expect(idsOf(nodesOf(page))).toEqual(slice(0, 20));
      expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(page.totalCount).toBe(45);
    });

    it("treats explicit nulls like absent arguments", async () => {
      const page = await board({ first: null, after: null, last: 3, before: null, limit: null, offset: null });
      expect(idsOf(nodesOf(page))).toEqual(slice(42, 45));
    });

    it("pages 20 rows after `after` and before `before` when no size is given", async () => {
      const after = await board({ after: cursors[4] });
      expect(idsOf(nodesOf(after))).toEqual(slice(5, 25));
      expect(after.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      const before = await board({ before: cursors[30] });
      expect(idsOf(nodesOf(before))).toEqual(slice(10, 30));
      expect(before.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    });

    it("starts right after the `after` row and ends right before the `before` row", async () => {
      const after = await board({ first: 5, after: cursors[22] });
      expect(idsOf(nodesOf(after))).toEqual(slice(23, 28));
      const before = await board({ last: 5, before: cursors[22] });
      expect(idsOf(nodesOf(before))).toEqual(slice(17, 22));
    });

    it("lists a backward page in the same order as the forward page with the same rows", async () => {
      const forward = await board({ first: 5, after: cursors[9] });
      const backward = await board({ last: 5, before: cursors[15] });
      expect(idsOf(nodesOf(forward))).toEqual(slice(10, 15));
      expect(idsOf(nodesOf(backward))).toEqual(idsOf(nodesOf(forward)));
      expect(backward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      expect(forward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      // The first item of a backward page is the earliest one in list order.
      expect(backward.edges[0]!.node.id).toBe(all[10]!.id);
    });

    it("flags the ends of the list for first/last pages", async () => {
      const first = await board({ first: 5 });
      expect(first.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: first.edges[0]!.cursor, endCursor: first.edges[4]!.cursor });
      const last = await board({ last: 5 });
      expect(idsOf(nodesOf(last))).toEqual(slice(40, 45));
      expect(last.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: last.edges[0]!.cursor, endCursor: last.edges[4]!.cursor });
      const exact = await board({ first: 45 });
      expect(exact.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      const lastAll = await board({ last: 100 });
      expect(idsOf(nodesOf(lastAll))).toEqual(slice(0, 45));
      expect(lastAll.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      const ending = await board({ first: 5, after: cursors[39] });
      expect(idsOf(nodesOf(ending))).toEqual(slice(40, 45));
      expect(ending.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it("returns an empty page after the last row and before the first", async () => {
      const after = await board({ first: 5, after: cursors[44] });
      expect(after.edges).toEqual([]);
      expect(after.nodes).toEqual([]);
      expect(after.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
      expect(after.totalCount).toBe(45);
      const before = await board({ last: 5, before: cursors[0] });
      expect(before.edges).toEqual([]);
      expect(before.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
      expect(before.totalCount).toBe(45);
    });

    it("returns an empty connection when nothing matches", async () => {
      for (const vars of [{}, { first: 5 }, { last: 5 }, { limit: 5, offset: 0 }]) {
        const page = await board({ ...vars, filter: { title: { equals: "no such board" } } });
        expect(page.edges).toEqual([]);
        expect(page.nodes).toEqual([]);
        expect(page.totalCount).toBe(0);
        expect(page.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
      }
    });

    it("accepts page sizes 1 and 100", async () => {
      expect((await board({ first: 1 })).edges).toHaveLength(1);
      expect((await board({ last: 1 })).edges).toHaveLength(1);
      expect((await board({ limit: 1 })).edges).toHaveLength(1);
      expect((await board({ first: 100 })).edges).toHaveLength(45);
      expect((await board({ last: 100 })).edges).toHaveLength(45);
      expect((await board({ limit: 100 })).edges).toHaveLength(45);
    });

    it("pages with limit/offset in the same order as cursors", async () => {
      const start = await board({ limit: 10, offset: 0 });
      expect(idsOf(nodesOf(start))).toEqual(slice(0, 10));
      expect(start.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: start.edges[0]!.cursor, endCursor: start.edges[9]!.cursor });
      const middle = await board({ limit: 10, offset: 17 });
      expect(idsOf(nodesOf(middle))).toEqual(slice(17, 27));
      expect(middle.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      const end = await board({ limit: 10, offset: 40 });
      expect(idsOf(nodesOf(end))).toEqual(slice(40, 45));
      expect(end.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      const exact = await board({ limit: 5, offset: 40 });
      expect(exact.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it("defaults limit to 20 and offset to 0", async () => {
      expect(idsOf(nodesOf(await board({ offset: 5 })))).toEqual(slice(5, 25));
      expect(idsOf(nodesOf(await board({ limit: 3 })))).toEqual(slice(0, 3));
      expect(idsOf(nodesOf(await board({ offset: 0 })))).toEqual(slice(0, 20));
    });

    it("returns an empty page for an offset past the end, still counting the whole list", async () => {
      for (const offset of [45, 1000]) {
        const page = await board({ limit: 10, offset });
        expect(page.edges).toEqual([]);
        expect(page.totalCount).toBe(45);
        expect(page.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
      }
    });

    it("gives offset pages cursors that continue with after/before", async () => {
      const page = await board({ limit: 5, offset: 10 });
      const next = await board({ first: 5, after: page.pageInfo.endCursor });
      expect(idsOf(nodesOf(next))).toEqual(slice(15, 20));
      const previous = await board({ last: 5, before: page.pageInfo.startCursor });
      expect(idsOf(nodesOf(previous))).toEqual(slice(5, 10));
    });

    it("reports totalCount of the whole filtered set, whatever the page", async () => {
      const alphas = await server.prisma.board.count({ where: { ownerId: world.olga.id, title: "alpha" } });
      expect(alphas).toBeGreaterThan(7);
      const pages: Vars[] = [{}, { first: 1 }, { last: 1 }, { first: 2, after: cursors[3] }, { last: 2, before: cursors[40] }, { limit: 1, offset: 44 }, { offset: 1000 }];
      for (const vars of pages) {
        expect((await board(vars)).totalCount, JSON.stringify(vars)).toBe(45);
        expect((await board({ ...vars, orderBy: [{ field: "CREATED_AT", direction: "DESC" }], after: undefined, before: undefined })).totalCount).toBe(45);
        const filtered = await board({ ...vars, after: undefined, before: undefined, filter: { title: { equals: "alpha" } } });
        expect(filtered.totalCount, JSON.stringify(vars)).toBe(alphas);
      }
      // Walking the filtered set checks totalCount on every page.
      const rows = await walkForward(pager(world.olga, BOARDS, { orderBy: ORDER, filter: { title: { equals: "alpha" } } }), 3, alphas);
      expect(rows.every((r) => r.title === "alpha")).toBe(true);
      expect(rows).toHaveLength(alphas);
    });
  });

  // -------------------------------------------------------------------------------------------

  describe("argument errors", () => {
    let boardCursor: string;
    let titleCursor: string;
    let tagCursor: string;
    let generationCursor: string;
    beforeAll(async () => {
      boardCursor = (await fetchPage(world.olga, BOARDS, { first: 2 })).pageInfo.endCursor!;
      titleCursor = (await fetchPage(world.olga, BOARDS, { first: 2, orderBy: [{ field: "TITLE", direction: "ASC" }] })).pageInfo.endCursor!;
      tagCursor = (await fetchPage(world.olga, TAGS, { first: 2 })).pageInfo.endCursor!;
      generationCursor = (await fetchPage(world.olga, GENERATIONS, { first: 2 })).pageInfo.endCursor!;
    });

    async function expectBadInput<N>(caller: Caller, source: Source<N>, vars: Vars, argument: string | string[]) {
      const result = await request(caller, source, vars);
      const error = expectError(result, "BAD_USER_INPUT");
      const allowed = Array.isArray(argument) ? argument : [argument];
      expect(allowed, `extensions.argument of ${JSON.stringify(error)}`).toContain(error.extensions?.argument);
      expect(result.data?.["conn"] ?? null).toBeNull();
    }

    it.each<{ name: string; vars: () => Vars; argument: string | string[] }>([
      { name: "first with last", vars: () => ({ first: 5, last: 5 }), argument: ["first", "last"] },
      { name: "after with last", vars: () => ({ after: boardCursor, last: 5 }), argument: ["after", "last"] },
      { name: "before with first", vars: () => ({ before: boardCursor, first: 5 }), argument: ["before", "first"] },
      { name: "after with before", vars: () => ({ after: boardCursor, before: boardCursor }), argument: ["after", "before"] },
      { name: "first: 0", vars: () => ({ first: 0 }), argument: "first" },
      { name: "first: 101", vars: () => ({ first: 101 }), argument: "first" },
      { name: "first: -1", vars: () => ({ first: -1 }), argument: "first" },
      { name: "first: 101 with after", vars: () => ({ first: 101, after: boardCursor }), argument: "first" },
      { name: "last: 0", vars: () => ({ last: 0 }), argument: "last" },
      { name: "last: 101", vars: () => ({ last: 101 }), argument: "last" },
      { name: "limit: 0", vars: () => ({ limit: 0 }), argument: "limit" },
      { name: "limit: 101", vars: () => ({ limit: 101 }), argument: "limit" },
      { name: "limit: -5", vars: () => ({ limit: -5, offset: 0 }), argument: "limit" },
      { name: "offset: -1", vars: () => ({ offset: -1 }), argument: "offset" },
      { name: "offset: -1 with limit", vars: () => ({ limit: 5, offset: -1 }), argument: "offset" },
      { name: "first with offset", vars: () => ({ first: 5, offset: 0 }), argument: ["first", "offset"] },
      { name: "first with limit", vars: () => ({ first: 5, limit: 5 }), argument: ["first", "limit"] },
      { name: "after with limit", vars: () => ({ after: boardCursor, limit: 5 }), argument: ["after", "limit"] },
      { name: "last with offset", vars: () => ({ last: 5, offset: 3 }), argument: ["last", "offset"] },
      { name: "before with limit", vars: () => ({ before: boardCursor, limit: 5 }), argument: ["before", "limit"] },
    ])("refuses $name on boardsConnection", async ({ vars, argument }) => {
      await expectBadInput(world.olga, BOARDS, vars(), argument);
    });

    it.each<{ name: string; source: Source<{ id: string }>; vars: () => Vars; argument: string | string[] }>([
      { name: "tagsConnection first: 101", source: TAGS, vars: () => ({ first: 101 }), argument: "first" },
      { name: "tagsConnection offset: -1", source: TAGS, vars: () => ({ offset: -1 }), argument: "offset" },
      { name: "generationsConnection last: 0", source: GENERATIONS, vars: () => ({ last: 0 }), argument: "last" },
      { name: "generationsConnection after with limit", source: GENERATIONS, vars: () => ({ after: generationCursor, limit: 2 }), argument: ["after", "limit"] },
      { name: "Board.generationsConnection first with last", source: BOARD_GENERATIONS, vars: () => ({ board: world.boardA, first: 1, last: 1 }), argument: ["first", "last"] },
      { name: "Board.generationsConnection limit: 101", source: BOARD_GENERATIONS, vars: () => ({ board: world.boardA, limit: 101 }), argument: "limit" },
    ])("refuses $name", async ({ source, vars, argument }) => {
      const result = await request(world.olga, source, vars());
      const error = expectError(result, "BAD_USER_INPUT");
      expect(Array.isArray(argument) ? argument : [argument]).toContain(error.extensions?.argument);
    });

    const b64 = (text: string) => Buffer.from(text).toString("base64url");

    it.each<{ name: string; cursor: () => string }>([
      { name: "free text", cursor: () => "not a cursor" },
      { name: "an empty string", cursor: () => "" },
      { name: "non-base64 characters", cursor: () => "%%%***" },
      { name: "base64 of text", cursor: () => b64("hello") },
      { name: "base64 of JSON null", cursor: () => b64("null") },
      { name: "base64 of an unrelated object", cursor: () => b64(JSON.stringify({ id: "1b4e28ba-2fa1-11d2-883f-0016d3cca427" })) },
      { name: "a truncated cursor", cursor: () => boardCursor.slice(0, -4) },
    ])("refuses a malformed cursor ($name) in after and before", async ({ cursor }) => {
      await expectBadInput(world.olga, BOARDS, { first: 5, after: cursor() }, "after");
      await expectBadInput(world.olga, BOARDS, { last: 5, before: cursor() }, "before");
    });

    it("refuses a well-formed cursor whose sort value is not a date", async () => {
      // White-box: the cursor is base64url JSON holding the sort-key values in `k`.
      const payload = JSON.parse(Buffer.from(boardCursor, "base64url").toString("utf8")) as { k: unknown[] };
      expect(Array.isArray(payload.k)).toBe(true);
      const tampered = b64(JSON.stringify({ ...payload, k: payload.k.map(() => "yesterday") }));
      await expectBadInput(world.olga, BOARDS, { first: 5, after: tampered }, "after");
    });

    it("refuses a cursor from another connection", async () => {
      await expectBadInput(world.olga, BOARDS, { first: 5, after: tagCursor }, "after");
      await expectBadInput(world.olga, BOARDS, { last: 5, before: tagCursor }, "before");
      await expectBadInput(world.olga, BOARDS, { first: 5, after: generationCursor }, "after");
      await expectBadInput(world.olga, TAGS, { first: 5, after: boardCursor }, "after");
      await expectBadInput(world.olga, GENERATIONS, { first: 5, after: boardCursor }, "after");
      await expectBadInput(world.olga, BOARD_GENERATIONS, { board: world.boardA, last: 5, before: tagCursor }, "before");
      // Control: each cursor works where it came from.
      expect((await fetchPage(world.olga, BOARDS, { first: 5, after: boardCursor })).edges).toHaveLength(5);
      expect((await fetchPage(world.olga, TAGS, { first: 5, after: tagCursor })).edges).toHaveLength(5);
      expect((await fetchPage(world.olga, GENERATIONS, { first: 5, after: generationCursor })).edges).toHaveLength(5);
    });

    it("refuses a cursor made for another orderBy", async () => {
      const title = (direction: Direction) => ({ field: "TITLE", direction });
      await expectBadInput(world.olga, BOARDS, { first: 5, after: titleCursor, orderBy: [title("DESC")] }, "after");
      await expectBadInput(world.olga, BOARDS, { last: 5, before: titleCursor, orderBy: [title("DESC")] }, "before");
      await expectBadInput(world.olga, BOARDS, { first: 5, after: titleCursor, orderBy: [title("ASC"), { field: "CREATED_AT", direction: "ASC" }] }, "after");
      await expectBadInput(world.olga, BOARDS, { first: 5, after: titleCursor, orderBy: [{ field: "CREATED_AT", direction: "ASC" }] }, "after");
      // Default order (most recently updated first) is not TITLE.
      await expectBadInput(world.olga, BOARDS, { first: 5, after: titleCursor }, "after");
      await expectBadInput(world.olga, BOARDS, { first: 5, after: boardCursor, orderBy: [title("ASC")] }, "after");
      // Control: the same ordering accepts it, spelled explicitly or by default.
      expect((await fetchPage(world.olga, BOARDS, { first: 5, after: titleCursor, orderBy: [title("ASC")] })).edges).toHaveLength(5);
      expect(
        (await fetchPage(world.olga, BOARDS, { first: 5, after: boardCursor, orderBy: [{ field: "UPDATED_AT", direction: "DESC" }] })).edges,
      ).toHaveLength(5);
    });

    it("refuses `in`/`notIn` lists of more than 100 values", async () => {
      const ids = Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
      const titles = ids.map((_, i) => `t${i}`);
      await expectBadInput(world.olga, BOARDS, { filter: { id: { in: ids } } }, "filter");
      await expectBadInput(world.olga, BOARDS, { filter: { id: { notIn: ids } } }, "filter");
      await expectBadInput(world.olga, BOARDS, { filter: { title: { in: titles } } }, "filter");
      await expectBadInput(world.olga, BOARDS, { filter: { OR: [{ title: { notIn: titles } }] } }, "filter");
      await expectBadInput(world.olga, TAGS, { filter: { name: { in: titles } } }, "filter");
      await expectBadInput(world.olga, GENERATIONS, { filter: { boardId: { in: ids } } }, "filter");
      // 100 values are fine.
      const page = await fetchPage(world.olga, BOARDS, { filter: { id: { notIn: ids.slice(0, 100) } }, first: 1 });
      expect(page.totalCount).toBe(45);
      expect((await fetchPage(world.olga, BOARDS, { filter: { title: { in: titles.slice(0, 100) } } })).totalCount).toBe(0);
    });

    it("refuses filters nested deeper than 6 levels", async () => {
      const nest = (levels: number, leaf: Vars, op: "AND" | "OR" | "NOT"): Vars => (levels <= 1 ? leaf : { [op]: [nest(levels - 1, leaf, op)] });
      const leaf = { title: { equals: "alpha" } };
      for (const op of ["AND", "OR"] as const) {
        const ok = await fetchPage(world.olga, BOARDS, { filter: nest(6, leaf, op), first: 1 });
        expect(ok.totalCount, `6 levels of ${op}`).toBeGreaterThan(0);
        await expectBadInput(world.olga, BOARDS, { filter: nest(8, leaf, op) }, "filter");
        await expectBadInput(world.olga, BOARDS, { filter: nest(20, leaf, op) }, "filter");
      }
      await expectBadInput(world.olga, BOARDS, { filter: nest(8, leaf, "NOT") }, "filter");
      await expectBadInput(world.olga, GENERATIONS, { filter: nest(8, { generatorName: { equals: "upscale" } }, "AND") }, "filter");
      await expectBadInput(world.olga, TAGS, { filter: nest(8, { name: { equals: "red" } }, "OR") }, "filter");
    });
  });
});

// =============================================================================================

describe("keyset cursors stay valid while the list changes", () => {
  it("continues after a deleted cursor row and does not repeat rows when earlier rows are added", async () => {
    const tenant = await newTenant(server);
    const sam = await tenant.user("sam");
    await server.prisma.board.createMany({
      data: Array.from({ length: 10 }, (_, i) => ({ tenantId: tenant.id, ownerId: sam.id, title: `b${i}`, createdAt: at(i * 1000) })),
    });
    const orderBy = [{ field: "CREATED_AT", direction: "ASC" }];
    const titles = (page: { edges: Array<{ node: BoardNode }> }) => page.edges.map((e) => e.node.title);

    const first = await fetchPage(sam, BOARDS, { orderBy, first: 3 });
    expect(titles(first)).toEqual(["b0", "b1", "b2"]);
    await server.prisma.board.delete({ where: { id: first.edges[2]!.node.id } });
    const second = await fetchPage(sam, BOARDS, { orderBy, first: 3, after: first.pageInfo.endCursor });
    expect(titles(second)).toEqual(["b3", "b4", "b5"]);
    expect(second.totalCount).toBe(9);

    await server.prisma.board.create({ data: { tenantId: tenant.id, ownerId: sam.id, title: "early", createdAt: at(-1000) } });
    const third = await fetchPage(sam, BOARDS, { orderBy, first: 3, after: second.pageInfo.endCursor });
    expect(titles(third)).toEqual(["b6", "b7", "b8"]);
    expect(third.totalCount).toBe(10);

    const back = await fetchPage(sam, BOARDS, { orderBy, last: 5, before: first.pageInfo.endCursor });
    expect(titles(back)).toEqual(["early", "b0", "b1"]);
    expect(back.pageInfo.hasPreviousPage).toBe(false);
  });
});

// =============================================================================================

describe("board filters", () => {
  let tenant: TenantHandle;
  let fay: Actor;
  let gil: Actor;
  const id = new Map<string, string>();
  // [title, description, isPublic]; board n was created on 2024-01-n and updated 12 hours later.
  const BOARDS_DATA: Array<[string, string | null, boolean]> = [
    ["100% done", "progress 100%", true],
    ["100 percent done", null, false],
    ["a_b", "under_score", true],
    ["axb", "underXscore", false],
    ["A_B", null, false],
    ["back\\slash", "path\\to", true],
    ["backslash", null, false],
    ["Fox den", "Foxes live here", true],
    ["fox DEN", "", false],
    ["Red fox", null, true],
  ];
  const ALL = BOARDS_DATA.map(([title]) => title);
  const except = (...titles: string[]) => ALL.filter((t) => !titles.includes(t));
  const day = (n: number, hours = 0) => new Date(Date.UTC(2024, 0, n, hours)).toISOString();

  beforeAll(async () => {
    tenant = await newTenant(server);
    fay = await tenant.user("fay");
    gil = await tenant.user("gil");
    await server.prisma.board.createMany({
      data: BOARDS_DATA.map(([title, description, isPublic], i) => ({
        tenantId: tenant.id,
        ownerId: fay.id,
        title,
        description,
        isPublic,
        createdAt: new Date(day(i + 1)),
        updatedAt: new Date(day(i + 1, 12)),
      })),
    });
    await server.prisma.board.createMany({
      data: [
        { tenantId: tenant.id, ownerId: gil.id, title: "gil public", isPublic: true },
        { tenantId: tenant.id, ownerId: gil.id, title: "gil private", isPublic: false },
      ],
    });
    for (const b of await server.prisma.board.findMany({ where: { tenantId: tenant.id } })) id.set(b.title, b.id);
    expect(id.size).toBe(12);
  });

  /** Titles of fay's boards (or of `scope`) matching `filter`; totalCount must agree. */
  async function titles(filter: Vars, extra: Vars = {}): Promise<string[]> {
    const page = await fetchPage(fay, BOARDS, { filter, first: 100, ...extra });
    expect(page.totalCount).toBe(page.edges.length);
    return nodesOf(page)
      .map((n) => n.title)
      .sort();
  }
  const sorted = (list: string[]) => [...list].sort();

  describe("StringFilter", () => {
    it.each<{ name: string; filter: () => Vars; expected: string[] }>([
      { name: "equals", filter: () => ({ title: { equals: "a_b" } }), expected: ["a_b"] },
      { name: "equals is case-sensitive by default", filter: () => ({ title: { equals: "fox den" } }), expected: [] },
      { name: "equals, SENSITIVE", filter: () => ({ title: { equals: "Fox den", mode: "SENSITIVE" } }), expected: ["Fox den"] },
      { name: "equals, INSENSITIVE", filter: () => ({ title: { equals: "FOX den", mode: "INSENSITIVE" } }), expected: ["Fox den", "fox DEN"] },
      { name: "equals with _, INSENSITIVE", filter: () => ({ title: { equals: "A_B", mode: "INSENSITIVE" } }), expected: ["A_B", "a_b"] },
      { name: "equals with %, INSENSITIVE", filter: () => ({ title: { equals: "100% DONE", mode: "INSENSITIVE" } }), expected: ["100% done"] },
      { name: "equals with a backslash, INSENSITIVE", filter: () => ({ title: { equals: "BACK\\SLASH", mode: "INSENSITIVE" } }), expected: ["back\\slash"] },
      { name: "not", filter: () => ({ title: { not: "a_b" } }), expected: except("a_b") },
      { name: "not, INSENSITIVE", filter: () => ({ title: { not: "a_B", mode: "INSENSITIVE" } }), expected: except("a_b", "A_B") },
      { name: "in", filter: () => ({ title: { in: ["a_b", "axb", "no such title"] } }), expected: ["a_b", "axb"] },
      { name: "in, INSENSITIVE", filter: () => ({ title: { in: ["FOX DEN", "red FOX"], mode: "INSENSITIVE" } }), expected: ["Fox den", "Red fox", "fox DEN"] },
      { name: "in with an empty list", filter: () => ({ title: { in: [] } }), expected: [] },
      { name: "notIn", filter: () => ({ title: { notIn: ["a_b", "axb"] } }), expected: except("a_b", "axb") },
      { name: "notIn, INSENSITIVE", filter: () => ({ title: { notIn: ["fox den"], mode: "INSENSITIVE" } }), expected: except("Fox den", "fox DEN") },
      { name: "notIn with an empty list", filter: () => ({ title: { notIn: [] } }), expected: ALL },
      { name: "contains", filter: () => ({ title: { contains: "fox" } }), expected: ["Red fox", "fox DEN"] },
      { name: "contains, SENSITIVE", filter: () => ({ title: { contains: "Fox", mode: "SENSITIVE" } }), expected: ["Fox den"] },
      { name: "contains, INSENSITIVE", filter: () => ({ title: { contains: "FOX", mode: "INSENSITIVE" } }), expected: ["Fox den", "Red fox", "fox DEN"] },
      { name: "contains % literally", filter: () => ({ title: { contains: "%" } }), expected: ["100% done"] },
      { name: "contains 0% d literally", filter: () => ({ title: { contains: "0% d" } }), expected: ["100% done"] },
      { name: "contains _ literally", filter: () => ({ title: { contains: "_" } }), expected: ["A_B", "a_b"] },
      { name: "contains a_b literally", filter: () => ({ title: { contains: "a_b" } }), expected: ["a_b"] },
      { name: "contains _B literally, INSENSITIVE", filter: () => ({ title: { contains: "_b", mode: "INSENSITIVE" } }), expected: ["A_B", "a_b"] },
      { name: "contains % literally, INSENSITIVE", filter: () => ({ title: { contains: "0% DONE", mode: "INSENSITIVE" } }), expected: ["100% done"] },
      { name: "contains a backslash literally", filter: () => ({ title: { contains: "\\" } }), expected: ["back\\slash"] },
      { name: "contains k\\s literally", filter: () => ({ title: { contains: "k\\s" } }), expected: ["back\\slash"] },
      { name: "startsWith", filter: () => ({ title: { startsWith: "100" } }), expected: ["100 percent done", "100% done"] },
      { name: "startsWith % literally", filter: () => ({ title: { startsWith: "100%" } }), expected: ["100% done"] },
      { name: "startsWith _ literally", filter: () => ({ title: { startsWith: "A_" } }), expected: ["A_B"] },
      { name: "startsWith, INSENSITIVE", filter: () => ({ title: { startsWith: "a_", mode: "INSENSITIVE" } }), expected: ["A_B", "a_b"] },
      { name: "startsWith a backslash literally", filter: () => ({ title: { startsWith: "back\\" } }), expected: ["back\\slash"] },
      { name: "endsWith", filter: () => ({ title: { endsWith: "done" } }), expected: ["100 percent done", "100% done"] },
      { name: "endsWith _ literally", filter: () => ({ title: { endsWith: "_b" } }), expected: ["a_b"] },
      { name: "endsWith % literally", filter: () => ({ title: { endsWith: "0% done" } }), expected: ["100% done"] },
      { name: "endsWith, INSENSITIVE", filter: () => ({ title: { endsWith: "_B", mode: "INSENSITIVE" } }), expected: ["A_B", "a_b"] },
      { name: "endsWith a backslash sequence literally", filter: () => ({ title: { endsWith: "\\slash" } }), expected: ["back\\slash"] },
      {
        name: "several operators in one object are ANDed",
        filter: () => ({ title: { startsWith: "100", endsWith: "done", not: "100% done" } }),
        expected: ["100 percent done"],
      },
      {
        name: "mode applies to every operator of the object",
        filter: () => ({ title: { contains: "FOX", notIn: ["red fox"], mode: "INSENSITIVE" } }),
        expected: ["Fox den", "fox DEN"],
      },
      { name: "an empty object", filter: () => ({ title: {} }), expected: ALL },
      { name: "isNull: false on a required column", filter: () => ({ title: { isNull: false } }), expected: ALL },
      { name: "isNull: true on a required column", filter: () => ({ title: { isNull: true } }), expected: [] },
      { name: "isNull: true", filter: () => ({ description: { isNull: true } }), expected: ["100 percent done", "A_B", "Red fox", "backslash"] },
      { name: "isNull: false", filter: () => ({ description: { isNull: false } }), expected: ["100% done", "Fox den", "a_b", "axb", "back\\slash", "fox DEN"] },
      { name: "equals the empty string (not null)", filter: () => ({ description: { equals: "" } }), expected: ["fox DEN"] },
      { name: "contains _ in description", filter: () => ({ description: { contains: "_" } }), expected: ["a_b"] },
      { name: "contains % in description", filter: () => ({ description: { contains: "100%" } }), expected: ["100% done"] },
      { name: "contains a backslash in description", filter: () => ({ description: { contains: "\\" } }), expected: ["back\\slash"] },
      { name: "startsWith in description, INSENSITIVE", filter: () => ({ description: { startsWith: "FOXES", mode: "INSENSITIVE" } }), expected: ["Fox den"] },
      { name: "isNull: false with contains", filter: () => ({ description: { isNull: false, contains: "score" } }), expected: ["a_b", "axb"] },
    ])("$name", async ({ filter, expected }) => {
      expect(await titles(filter())).toEqual(sorted(expected));
    });

    it("matches % and _ literally across pages too", async () => {
      const rows = await walkForward(pager(fay, BOARDS, { filter: { title: { contains: "_" } }, orderBy: [{ field: "TITLE", direction: "ASC" }] }), 1, 2);
      expect(rows.map((r) => r.title)).toEqual(["A_B", "a_b"]);
    });
  });

  describe("isPublic", () => {
    it("keeps only public or only private boards", async () => {
      const pub = ["100% done", "Fox den", "Red fox", "a_b", "back\\slash"];
      expect(await titles({ isPublic: true })).toEqual(sorted(pub));
      expect(await titles({ isPublic: false })).toEqual(sorted(except(...pub)));
      expect(await titles({ isPublic: false, title: { startsWith: "a" } })).toEqual(["axb"]);
    });
  });

  describe("UUIDFilter", () => {
    it.each<{ name: string; filter: () => Vars; expected: string[]; scope?: string }>([
      { name: "id equals", filter: () => ({ id: { equals: id.get("a_b") } }), expected: ["a_b"] },
      { name: "id equals, upper-case spelling", filter: () => ({ id: { equals: id.get("a_b")!.toUpperCase() } }), expected: ["a_b"] },
      { name: "id not", filter: () => ({ id: { not: id.get("a_b") } }), expected: except("a_b") },
      { name: "id in", filter: () => ({ id: { in: [id.get("a_b"), id.get("axb"), id.get("gil private")] } }), expected: ["a_b", "axb"] },
      { name: "id notIn", filter: () => ({ id: { notIn: [id.get("a_b"), id.get("axb")] } }), expected: except("a_b", "axb") },
      { name: "id in an empty list", filter: () => ({ id: { in: [] } }), expected: [] },
      { name: "id equals and not together", filter: () => ({ id: { in: [id.get("a_b"), id.get("axb")], not: id.get("axb") } }), expected: ["a_b"] },
      { name: "ownerId equals", filter: () => ({ ownerId: { equals: gil.id } }), expected: ["gil public"], scope: "ACCESSIBLE" },
      { name: "ownerId not", filter: () => ({ ownerId: { not: gil.id } }), expected: ALL, scope: "ACCESSIBLE" },
      { name: "ownerId in", filter: () => ({ ownerId: { in: [gil.id, fay.id] } }), expected: [...ALL, "gil public"], scope: "ACCESSIBLE" },
      { name: "ownerId notIn", filter: () => ({ ownerId: { notIn: [fay.id] } }), expected: ["gil public"], scope: "ACCESSIBLE" },
    ])("$name", async ({ filter, expected, scope }) => {
      expect(await titles(filter(), scope ? { scope } : {})).toEqual(sorted(expected));
    });

    it("rejects a value that is not a UUID", async () => {
      expectError(await request(fay, BOARDS, { filter: { id: { equals: "not-a-uuid" } } }), "BAD_USER_INPUT");
      expectError(await request(fay, BOARDS, { filter: { ownerId: { in: ["1234"] } } }), "BAD_USER_INPUT");
    });
  });

  describe("DateTimeFilter", () => {
    it.each<{ name: string; filter: () => Vars; expected: string[] }>([
      { name: "equals", filter: () => ({ createdAt: { equals: day(3) } }), expected: ["a_b"] },
      { name: "equals, other time zone", filter: () => ({ createdAt: { equals: "2024-01-03T01:00:00+01:00" } }), expected: ["a_b"] },
      { name: "not", filter: () => ({ createdAt: { not: day(3) } }), expected: except("a_b") },
      { name: "gt", filter: () => ({ createdAt: { gt: day(8) } }), expected: ["Red fox", "fox DEN"] },
      { name: "gte", filter: () => ({ createdAt: { gte: day(8) } }), expected: ["Fox den", "Red fox", "fox DEN"] },
      { name: "lt", filter: () => ({ createdAt: { lt: day(2) } }), expected: ["100% done"] },
      { name: "lte", filter: () => ({ createdAt: { lte: day(2) } }), expected: ["100 percent done", "100% done"] },
      { name: "gt and lt together", filter: () => ({ createdAt: { gt: day(3), lt: day(6) } }), expected: ["A_B", "axb"] },
      { name: "gte and lte with no match", filter: () => ({ createdAt: { gte: day(6), lte: day(5) } }), expected: [] },
      { name: "updatedAt gte", filter: () => ({ updatedAt: { gte: day(10) } }), expected: ["Red fox"] },
      { name: "updatedAt lt", filter: () => ({ updatedAt: { lt: day(1, 13) } }), expected: ["100% done"] },
      { name: "updatedAt equals", filter: () => ({ updatedAt: { equals: day(4, 12) } }), expected: ["axb"] },
      { name: "isNull: false on a required column", filter: () => ({ createdAt: { isNull: false } }), expected: ALL },
      { name: "isNull: true on a required column", filter: () => ({ createdAt: { isNull: true } }), expected: [] },
    ])("$name", async ({ filter, expected }) => {
      expect(await titles(filter())).toEqual(sorted(expected));
    });

    it("rejects a date-time without a time zone", async () => {
      expectError(await request(fay, BOARDS, { filter: { createdAt: { gt: "2024-01-03" } } }), "BAD_USER_INPUT");
    });
  });

  describe("AND / OR / NOT", () => {
    it.each<{ name: string; filter: Vars; expected: string[] }>([
      {
        name: "OR of two multi-field objects is an OR of ANDs",
        filter: {
          OR: [
            { title: { startsWith: "100" }, isPublic: true },
            { title: { contains: "fox", mode: "INSENSITIVE" }, isPublic: false },
          ],
        },
        expected: ["100% done", "fox DEN"],
      },
      {
        name: "NOT list means none of its elements matches",
        filter: { NOT: [{ title: { startsWith: "100" } }, { isPublic: true }] },
        expected: ["A_B", "axb", "backslash", "fox DEN"],
      },
      {
        name: "NOT of one multi-field object excludes rows matching all of its fields",
        filter: { NOT: [{ title: { startsWith: "100" }, isPublic: true }] },
        expected: except("100% done"),
      },
      {
        name: "AND list needs every element",
        filter: { AND: [{ title: { contains: "a" } }, { title: { contains: "b" } }] },
        expected: ["a_b", "axb", "back\\slash", "backslash"],
      },
      {
        name: "fields next to OR are ANDed with it",
        filter: { isPublic: true, OR: [{ title: { contains: "fox", mode: "INSENSITIVE" } }, { title: { contains: "%" } }] },
        expected: ["100% done", "Fox den", "Red fox"],
      },
      {
        name: "nested NOT and AND inside OR",
        filter: { OR: [{ NOT: [{ isPublic: true }] }, { AND: [{ title: { startsWith: "Red" } }] }] },
        expected: ["100 percent done", "A_B", "Red fox", "axb", "backslash", "fox DEN"],
      },
      { name: "NOT of NOT", filter: { NOT: [{ NOT: [{ isPublic: true }] }] }, expected: ["100% done", "Fox den", "Red fox", "a_b", "back\\slash"] },
      {
        name: "AND, OR and NOT together",
        filter: {
          AND: [{ OR: [{ title: { startsWith: "a" } }, { title: { startsWith: "b" } }] }],
          NOT: [{ title: { contains: "_" } }],
          OR: [{ isPublic: false }, { description: { contains: "\\" } }],
        },
        expected: ["axb", "back\\slash", "backslash"],
      },
      { name: "empty AND matches everything", filter: { AND: [] }, expected: ALL },
      { name: "empty NOT matches everything", filter: { NOT: [] }, expected: ALL },
      { name: "empty OR matches nothing", filter: { OR: [] }, expected: [] },
      { name: "an empty filter matches everything", filter: {}, expected: ALL },
      { name: "OR with an empty object matches everything", filter: { OR: [{}, { title: { equals: "no such title" } }] }, expected: ALL },
      { name: "NOT of an empty object matches nothing", filter: { NOT: [{}] }, expected: [] },
      { name: "NOT of an empty AND matches nothing", filter: { NOT: [{ AND: [] }] }, expected: [] },
      { name: "NOT of an empty OR matches everything", filter: { NOT: [{ OR: [] }] }, expected: ALL },
      { name: "empty OR next to other fields matches nothing", filter: { isPublic: true, OR: [] }, expected: [] },
    ])("$name", async ({ filter, expected }) => {
      expect(await titles(filter)).toEqual(sorted(expected));
    });

    it("accepts 6 levels of nesting", async () => {
      const filter = { AND: [{ OR: [{ NOT: [{ AND: [{ OR: [{ title: { equals: "a_b" } }] }] }] }] }] };
      expect(await titles(filter)).toEqual(sorted(except("a_b")));
    });
  });
});

// =============================================================================================

describe("generation filters", () => {
  let gus: Actor;
  let hank: Actor;
  let gb1: string;
  let gb2: string;
  const gid = new Map<string, string>();
  // [generatorName, artifactType, status, completed?, board (1|2), by hank?]; generation n was created on 2024-02-n.
  const ROWS: Array<[string, ArtifactType, GenerationStatus, boolean, 1 | 2, boolean]> = [
    ["image-from-prompt", "IMAGE", "COMPLETED", true, 1, false],
    ["video_gen", "VIDEO", "FAILED", true, 1, false],
    ["videoXgen", "VIDEO", "PENDING", false, 1, false],
    ["Text-Gen", "TEXT", "PROCESSING", false, 2, false],
    ["audio-gen", "AUDIO", "CANCELLED", true, 2, false],
    ["lora-train", "LORA", "COMPLETED", true, 1, true],
    ["model-50%", "MODEL", "COMPLETED", true, 2, false],
  ];
  const ALL = ROWS.map((r) => r[0]);
  const except = (...names: string[]) => ALL.filter((n) => !names.includes(n));
  const day = (n: number, hours = 0) => new Date(Date.UTC(2024, 1, n, hours)).toISOString();

  beforeAll(async () => {
    const tenant = await newTenant(server);
    gus = await tenant.user("gus");
    hank = await tenant.user("hank");
    const [b1, b2] = await Promise.all([
      server.prisma.board.create({ data: { tenantId: tenant.id, ownerId: gus.id, title: "one" } }),
      server.prisma.board.create({ data: { tenantId: tenant.id, ownerId: gus.id, title: "two" } }),
    ]);
    gb1 = b1.id;
    gb2 = b2.id;
    await server.prisma.boardMember.create({ data: { boardId: gb1, userId: hank.id, role: "EDITOR" } });
    for (const [i, [generatorName, artifactType, status, completed, board, byHank]] of ROWS.entries()) {
      const g = await insertGeneration(server.prisma, board === 1 ? b1 : b2, byHank ? hank.id : gus.id, {
        generatorName,
        artifactType,
        status,
        completedAt: completed ? new Date(day(i + 1, 1)) : null,
        createdAt: new Date(day(i + 1)),
        updatedAt: new Date(day(i + 1, 2)),
      });
      gid.set(generatorName, g.id);
    }
  });

  async function names(caller: Caller, filter: Vars, extra: Vars = {}, source: Source<GenerationNode> = GENERATIONS): Promise<string[]> {
    const page = await fetchPage(caller, source, { filter, first: 100, ...extra });
    expect(page.totalCount).toBe(page.edges.length);
    return nodesOf(page)
      .map((n) => n.generatorName)
      .sort();
  }
  const sorted = (list: string[]) => [...list].sort();

  it.each<{ name: string; filter: () => Vars; expected: string[] }>([
    { name: "status equals", filter: () => ({ status: { equals: "COMPLETED" } }), expected: ["image-from-prompt", "lora-train", "model-50%"] },
    { name: "status not", filter: () => ({ status: { not: "COMPLETED" } }), expected: except("image-from-prompt", "lora-train", "model-50%") },
    { name: "status in", filter: () => ({ status: { in: ["PENDING", "PROCESSING"] } }), expected: ["Text-Gen", "videoXgen"] },
    { name: "status notIn", filter: () => ({ status: { notIn: ["COMPLETED", "FAILED", "CANCELLED"] } }), expected: ["Text-Gen", "videoXgen"] },
    { name: "status in and not together", filter: () => ({ status: { in: ["COMPLETED", "FAILED"], not: "FAILED" } }), expected: ["image-from-prompt", "lora-train", "model-50%"] },
    { name: "artifactType equals", filter: () => ({ artifactType: { equals: "VIDEO" } }), expected: ["videoXgen", "video_gen"] },
    { name: "artifactType not", filter: () => ({ artifactType: { not: "VIDEO" } }), expected: except("video_gen", "videoXgen") },
    { name: "artifactType in", filter: () => ({ artifactType: { in: ["IMAGE", "LORA", "MODEL"] } }), expected: ["image-from-prompt", "lora-train", "model-50%"] },
    { name: "artifactType notIn", filter: () => ({ artifactType: { notIn: ["IMAGE", "VIDEO", "AUDIO"] } }), expected: ["Text-Gen", "lora-train", "model-50%"] },
    { name: "artifactType equals and notIn together", filter: () => ({ artifactType: { equals: "VIDEO", notIn: ["VIDEO"] } }), expected: [] },
    { name: "generatorName contains _ literally", filter: () => ({ generatorName: { contains: "_" } }), expected: ["video_gen"] },
    { name: "generatorName endsWith % literally", filter: () => ({ generatorName: { endsWith: "50%" } }), expected: ["model-50%"] },
    { name: "generatorName contains % literally", filter: () => ({ generatorName: { contains: "%" } }), expected: ["model-50%"] },
    { name: "generatorName startsWith", filter: () => ({ generatorName: { startsWith: "video" } }), expected: ["videoXgen", "video_gen"] },
    { name: "generatorName startsWith _ literally, INSENSITIVE", filter: () => ({ generatorName: { startsWith: "VIDEO_", mode: "INSENSITIVE" } }), expected: ["video_gen"] },
    { name: "generatorName equals, INSENSITIVE", filter: () => ({ generatorName: { equals: "text-gen", mode: "INSENSITIVE" } }), expected: ["Text-Gen"] },
    { name: "generatorName equals with _, INSENSITIVE", filter: () => ({ generatorName: { equals: "VIDEO_GEN", mode: "INSENSITIVE" } }), expected: ["video_gen"] },
    { name: "generatorName in / notIn", filter: () => ({ generatorName: { in: ["Text-Gen", "audio-gen"], notIn: ["audio-gen"] } }), expected: ["Text-Gen"] },
    { name: "generatorName isNull: true on a required column", filter: () => ({ generatorName: { isNull: true } }), expected: [] },
    { name: "completedAt isNull: true", filter: () => ({ completedAt: { isNull: true } }), expected: ["Text-Gen", "videoXgen"] },
    { name: "completedAt isNull: false", filter: () => ({ completedAt: { isNull: false } }), expected: except("Text-Gen", "videoXgen") },
    { name: "completedAt gte", filter: () => ({ completedAt: { gte: day(5, 1) } }), expected: ["audio-gen", "lora-train", "model-50%"] },
    { name: "completedAt lt", filter: () => ({ completedAt: { lt: day(2, 1) } }), expected: ["image-from-prompt"] },
    { name: "completedAt equals", filter: () => ({ completedAt: { equals: day(2, 1) } }), expected: ["video_gen"] },
    { name: "createdAt gt", filter: () => ({ createdAt: { gt: day(6) } }), expected: ["model-50%"] },
    { name: "createdAt equals", filter: () => ({ createdAt: { equals: day(4) } }), expected: ["Text-Gen"] },
    { name: "createdAt not", filter: () => ({ createdAt: { not: day(4) } }), expected: except("Text-Gen") },
    { name: "createdAt lte", filter: () => ({ createdAt: { lte: day(2) } }), expected: ["image-from-prompt", "video_gen"] },
    { name: "updatedAt lte", filter: () => ({ updatedAt: { lte: day(2, 2) } }), expected: ["image-from-prompt", "video_gen"] },
    { name: "boardId equals", filter: () => ({ boardId: { equals: gb2 } }), expected: ["Text-Gen", "audio-gen", "model-50%"] },
    { name: "boardId not", filter: () => ({ boardId: { not: gb2 } }), expected: ["image-from-prompt", "lora-train", "videoXgen", "video_gen"] },
    { name: "boardId in", filter: () => ({ boardId: { in: [gb1] } }), expected: ["image-from-prompt", "lora-train", "videoXgen", "video_gen"] },
    { name: "boardId notIn", filter: () => ({ boardId: { notIn: [gb1, gb2] } }), expected: [] },
    { name: "userId equals", filter: () => ({ userId: { equals: hank.id } }), expected: ["lora-train"] },
    { name: "userId notIn", filter: () => ({ userId: { notIn: [hank.id] } }), expected: except("lora-train") },
    { name: "id in", filter: () => ({ id: { in: [gid.get("video_gen"), gid.get("Text-Gen")] } }), expected: ["Text-Gen", "video_gen"] },
    { name: "id not", filter: () => ({ id: { not: gid.get("video_gen") } }), expected: except("video_gen") },
    {
      name: "OR of two multi-field objects",
      filter: () => ({
        OR: [
          { status: { equals: "COMPLETED" }, artifactType: { equals: "IMAGE" } },
          { status: { equals: "FAILED" }, boardId: { equals: gb1 } },
        ],
      }),
      expected: ["image-from-prompt", "video_gen"],
    },
    {
      name: "NOT list",
      filter: () => ({ NOT: [{ status: { equals: "COMPLETED" } }, { boardId: { equals: gb2 } }] }),
      expected: ["videoXgen", "video_gen"],
    },
  ])("$name", async ({ filter, expected }) => {
    expect(await names(gus, filter())).toEqual(sorted(expected));
  });

  it("applies filters in Board.generationsConnection within the board", async () => {
    expect(await names(gus, { status: { equals: "COMPLETED" } }, { board: gb1 }, BOARD_GENERATIONS)).toEqual(["image-from-prompt", "lora-train"]);
    expect(await names(gus, { generatorName: { contains: "%" } }, { board: gb1 }, BOARD_GENERATIONS)).toEqual([]);
    expect(await names(gus, { generatorName: { contains: "%" } }, { board: gb2 }, BOARD_GENERATIONS)).toEqual(["model-50%"]);
    expect(await names(gus, {}, { board: gb2 }, BOARD_GENERATIONS)).toEqual(["Text-Gen", "audio-gen", "model-50%"]);
  });

  it("shows a member only the generations of boards they belong to", async () => {
    expect(await names(hank, {})).toEqual(["image-from-prompt", "lora-train", "videoXgen", "video_gen"]);
    expect(await names(hank, { boardId: { equals: gb2 } })).toEqual([]);
    const hidden = await request(hank, BOARD_GENERATIONS, { board: gb2, first: 5 });
    expect(expectData(hidden)).toEqual({ board: null });
  });
});

// =============================================================================================

describe("tag filters", () => {
  let tia: Actor;
  beforeAll(async () => {
    const tenant = await newTenant(server);
    tia = await tenant.user("tia");
    await server.prisma.tag.createMany({
      data: [
        { tenantId: tenant.id, name: "50% off", slug: "fifty-off", description: "sale", createdAt: at(0) },
        { tenantId: tenant.id, name: "50 percent", slug: "fifty-percent", description: null, createdAt: at(1000) },
        { tenantId: tenant.id, name: "snake_case", slug: "snake-case", description: "a_b", createdAt: at(2000) },
        { tenantId: tenant.id, name: "snakeXcase", slug: "snakexcase", description: "axb", createdAt: at(3000) },
      ],
    });
  });

  it.each<{ name: string; filter: Vars; expected: string[] }>([
    { name: "name contains % literally", filter: { name: { contains: "%" } }, expected: ["50% off"] },
    { name: "name contains _ literally", filter: { name: { contains: "_" } }, expected: ["snake_case"] },
    { name: "slug startsWith", filter: { slug: { startsWith: "fifty-" } }, expected: ["50 percent", "50% off"] },
    { name: "description isNull", filter: { description: { isNull: true } }, expected: ["50 percent"] },
    { name: "description equals with _, INSENSITIVE", filter: { description: { equals: "A_B", mode: "INSENSITIVE" } }, expected: ["snake_case"] },
    { name: "createdAt gte", filter: { createdAt: { gte: at(2000).toISOString() } }, expected: ["snakeXcase", "snake_case"] },
    {
      name: "OR of multi-field objects",
      filter: { OR: [{ name: { startsWith: "50" }, description: { isNull: false } }, { slug: { equals: "snakexcase" } }] },
      expected: ["50% off", "snakeXcase"],
    },
    { name: "NOT list", filter: { NOT: [{ name: { startsWith: "50" } }, { slug: { contains: "x" } }] }, expected: ["snake_case"] },
    { name: "id notIn an empty list", filter: { id: { notIn: [] } }, expected: ["50 percent", "50% off", "snakeXcase", "snake_case"] },
  ])("$name", async ({ filter, expected }) => {
    const page = await fetchPage(tia, TAGS, { filter, first: 100 });
    expect(page.totalCount).toBe(page.edges.length);
    expect(
      nodesOf(page)
        .map((t) => t.name)
        .sort(),
    ).toEqual([...expected].sort());
  });
});

// =============================================================================================

describe("boardsConnection scopes", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  const bid = new Map<string, string>();

  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    carol = await tenant.user("carol");
    const make = async (title: string, owner: Actor, isPublic: boolean, tenantId = tenant.id) => {
      const b = await server.prisma.board.create({ data: { tenantId, ownerId: owner.id, title, isPublic } });
      bid.set(title, b.id);
      return b;
    };
    await make("A1", alice, false);
    await make("A2", alice, true);
    await make("A3", alice, false);
    await make("B1", bob, false);
    const b2 = await make("B2", bob, true);
    const b3 = await make("B3", bob, false);
    await make("B4", bob, false);
    await server.prisma.boardMember.createMany({
      data: [
        { boardId: bid.get("B1")!, userId: alice.id, role: "VIEWER" },
        { boardId: bid.get("B4")!, userId: alice.id, role: "EDITOR" },
        { boardId: bid.get("A3")!, userId: bob.id, role: "ADMIN" },
        // An owner listed as a member of their own board (e.g. data from before an ownership
        // change) still counts as owner, not member.
        { boardId: bid.get("A1")!, userId: alice.id, role: "VIEWER" },
      ],
    });
    await insertGeneration(server.prisma, b2, bob.id, { generatorName: "public-gen" });
    await insertGeneration(server.prisma, b3, bob.id, { generatorName: "private-gen" });
    // A public board of another tenant, never visible here.
    const other = await newTenant(server);
    const xavier = await other.user("xavier");
    await make("X public", xavier, true, other.id);
  });

  async function titlesFor(caller: Caller, vars: Vars): Promise<string[]> {
    const page = await fetchPage(caller, BOARDS, { first: 100, ...vars });
    expect(page.totalCount).toBe(page.edges.length);
    return nodesOf(page)
      .map((b) => b.title)
      .sort();
  }

  const cases: Array<{ who: "alice" | "bob" | "carol" | "anonymous"; vars: Vars; expected: string[] }> = [
    { who: "alice", vars: {}, expected: ["A1", "A2", "A3", "B1", "B4"] },
    { who: "alice", vars: { scope: "MINE" }, expected: ["A1", "A2", "A3", "B1", "B4"] },
    { who: "alice", vars: { scope: "MINE", role: "ANY" }, expected: ["A1", "A2", "A3", "B1", "B4"] },
    { who: "alice", vars: { scope: "MINE", role: "OWNER" }, expected: ["A1", "A2", "A3"] },
    { who: "alice", vars: { scope: "MINE", role: "MEMBER" }, expected: ["B1", "B4"] },
    { who: "alice", vars: { role: "OWNER" }, expected: ["A1", "A2", "A3"] },
    { who: "alice", vars: { role: "MEMBER" }, expected: ["B1", "B4"] },
    { who: "alice", vars: { scope: "PUBLIC" }, expected: ["A2", "B2"] },
    { who: "alice", vars: { scope: "ACCESSIBLE" }, expected: ["A1", "A2", "A3", "B1", "B2", "B4"] },
    { who: "alice", vars: { scope: "ACCESSIBLE", filter: { isPublic: false } }, expected: ["A1", "A3", "B1", "B4"] },
    { who: "bob", vars: {}, expected: ["A3", "B1", "B2", "B3", "B4"] },
    { who: "bob", vars: { role: "MEMBER" }, expected: ["A3"] },
    { who: "bob", vars: { role: "OWNER" }, expected: ["B1", "B2", "B3", "B4"] },
    { who: "bob", vars: { scope: "ACCESSIBLE" }, expected: ["A2", "A3", "B1", "B2", "B3", "B4"] },
    { who: "carol", vars: {}, expected: [] },
    { who: "carol", vars: { role: "MEMBER" }, expected: [] },
    { who: "carol", vars: { scope: "PUBLIC" }, expected: ["A2", "B2"] },
    { who: "carol", vars: { scope: "ACCESSIBLE" }, expected: ["A2", "B2"] },
    { who: "anonymous", vars: {}, expected: ["A2", "B2"] },
    { who: "anonymous", vars: { scope: "PUBLIC" }, expected: ["A2", "B2"] },
    { who: "anonymous", vars: { scope: "MINE" }, expected: [] },
    { who: "anonymous", vars: { scope: "MINE", role: "OWNER" }, expected: [] },
    { who: "anonymous", vars: { scope: "ACCESSIBLE" }, expected: ["A2", "B2"] },
    { who: "anonymous", vars: { filter: { title: { startsWith: "B" } } }, expected: ["B2"] },
  ];

  it.each(cases.map((c) => ({ ...c, name: `${c.who} ${JSON.stringify(c.vars)}` })))("$name", async ({ who, vars, expected }) => {
    const caller: Caller = who === "alice" ? alice : who === "bob" ? bob : who === "carol" ? carol : tenant.anonymous;
    expect(await titlesFor(caller, vars)).toEqual(expected);
  });

  it("pages an anonymous caller through public boards", async () => {
    const orderBy = [{ field: "TITLE", direction: "ASC" }];
    const fetch = pager(tenant.anonymous, BOARDS, { orderBy });
    expect((await walkForward(fetch, 1, 2)).map((b) => b.title)).toEqual(["A2", "B2"]);
    expect((await walkBackward(fetch, 1, 2)).map((b) => b.title)).toEqual(["A2", "B2"]);
  });

  it("gives anonymous callers generations of public boards only, and no tags", async () => {
    const gens = await fetchPage(tenant.anonymous, GENERATIONS, { first: 100 });
    expect(nodesOf(gens).map((g) => g.generatorName)).toEqual(["public-gen"]);
    expect(gens.totalCount).toBe(1);
    const onPublic = await fetchPage(tenant.anonymous, BOARD_GENERATIONS, { board: bid.get("B2"), first: 10 });
    expect(onPublic.totalCount).toBe(1);
    expect(expectData(await request(tenant.anonymous, BOARD_GENERATIONS, { board: bid.get("B3"), first: 10 }))).toEqual({ board: null });
    const tags = await fetchPage(tenant.anonymous, TAGS, { first: 10 });
    expect(tags.totalCount).toBe(0);
    expect(tags.edges).toEqual([]);
  });

  it("shows a user's private board generations only to those who may read the board", async () => {
    const forAlice = await fetchPage(alice, GENERATIONS, { first: 100 });
    expect(nodesOf(forAlice).map((g) => g.generatorName)).toEqual(["public-gen"]);
    const forBob = await fetchPage(bob, GENERATIONS, { first: 100 });
    expect(
      nodesOf(forBob)
        .map((g) => g.generatorName)
        .sort(),
    ).toEqual(["private-gen", "public-gen"]);
  });
});
