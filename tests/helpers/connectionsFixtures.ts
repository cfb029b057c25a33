/**
 * Helpers for the Relay connection tests: query texts for every connection, page walkers that
 * check the invariants of each page (edges/nodes agree, start/end cursors, flags, totalCount),
 * an order checker, and bulk seeding through Prisma.
 */
import { expect } from "vitest";
import type { ArtifactType, GenerationStatus, Prisma } from "../../src/generated/prisma/client.js";
import { expectData, newTenant, type Actor, type TenantHandle } from "./actors.js";
import type { GqlResult, TestServer } from "./server.js";

export type Caller = Pick<Actor, "gql">;
export type Vars = Record<string, unknown>;

export type PageInfo = {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
};

export type Connection<N> = {
  edges: Array<{ cursor: string; node: N }>;
  nodes: Array<{ id: string }>;
  pageInfo: PageInfo;
  totalCount: number;
};

export type PageVars = { first?: number; after?: string; last?: number; before?: string; limit?: number; offset?: number };

export type BoardNode = { id: string; title: string; description: string | null; isPublic: boolean; ownerId: string; createdAt: string; updatedAt: string };
export type GenerationNode = {
  id: string;
  boardId: string;
  userId: string;
  generatorName: string;
  status: GenerationStatus;
  artifactType: ArtifactType;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
};
export type TagNode = { id: string; name: string; slug: string; createdAt: string; updatedAt: string };

/** One connection field: the operation text and where its connection sits in `data`. */
export type Source<N> = { name: string; query: string; pick: (data: unknown) => Connection<N> | null };

const PAGE_VARS = "$first: Int, $after: String, $last: Int, $before: String, $limit: Int, $offset: Int";
const PAGE_ARGS = "first: $first, after: $after, last: $last, before: $before, limit: $limit, offset: $offset";
const CONNECTION_BODY = (nodeFields: string) =>
  `{ edges { cursor node { ${nodeFields} } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount }`;

const BOARD_FIELDS = "id title description isPublic ownerId createdAt updatedAt";
const GENERATION_FIELDS = "id boardId userId generatorName status artifactType createdAt updatedAt completedAt";
const TAG_FIELDS = "id name slug createdAt updatedAt";

const root = <N>(name: string, query: string): Source<N> => ({ name, query, pick: (data) => (data as { conn: Connection<N> }).conn });

export const BOARDS: Source<BoardNode> = root(
  "boardsConnection",
  `query Boards($scope: BoardScope, $role: BoardQueryRole, $filter: BoardFilter, $orderBy: [BoardOrderBy!], ${PAGE_VARS}) {
    conn: boardsConnection(scope: $scope, role: $role, filter: $filter, orderBy: $orderBy, ${PAGE_ARGS}) ${CONNECTION_BODY(BOARD_FIELDS)}
  }`,
);

export const GENERATIONS: Source<GenerationNode> = root(
  "generationsConnection",
  `query Generations($boardId: UUID, $filter: GenerationFilter, $orderBy: [GenerationOrderBy!], ${PAGE_VARS}) {
    conn: generationsConnection(boardId: $boardId, filter: $filter, orderBy: $orderBy, ${PAGE_ARGS}) ${CONNECTION_BODY(GENERATION_FIELDS)}
  }`,
);

/** `Board.generationsConnection`; needs the variable `board` (the board id). Null when the board is not readable. */
export const BOARD_GENERATIONS: Source<GenerationNode> = {
  name: "Board.generationsConnection",
  query: `query BoardGenerations($board: UUID!, $filter: GenerationFilter, $orderBy: [GenerationOrderBy!], ${PAGE_VARS}) {
    board(id: $board) { conn: generationsConnection(filter: $filter, orderBy: $orderBy, ${PAGE_ARGS}) ${CONNECTION_BODY(GENERATION_FIELDS)} }
  }`,
  pick: (data) => (data as { board: { conn: Connection<GenerationNode> } | null }).board?.conn ?? null,
};

export const TAGS: Source<TagNode> = root(
  "tagsConnection",
  `query Tags($filter: TagFilter, $orderBy: [TagOrderBy!], ${PAGE_VARS}) {
    conn: tagsConnection(filter: $filter, orderBy: $orderBy, ${PAGE_ARGS}) ${CONNECTION_BODY(TAG_FIELDS)}
  }`,
);

/** Runs a connection query that may fail. */
export function request<N>(caller: Caller, source: Source<N>, vars: Vars): Promise<GqlResult> {
  return caller.gql(source.query, vars);
}

/** Runs a connection query that must succeed and checks the page's internal consistency. */
export async function fetchPage<N extends { id: string }>(caller: Caller, source: Source<N>, vars: Vars): Promise<Connection<N>> {
  const data = expectData(await caller.gql<unknown>(source.query, vars));
  const conn = source.pick(data);
  if (conn === null) throw new Error(`${source.name} returned no connection (board not readable?)`);
  expectConsistentPage(conn);
  return conn;
}

/** A function fetching pages of one connection with fixed non-paging arguments. */
export type Pager<N> = (page: PageVars) => Promise<Connection<N>>;

export function pager<N extends { id: string }>(caller: Caller, source: Source<N>, vars: Vars = {}): Pager<N> {
  return (page) => fetchPage(caller, source, { ...vars, ...page });
}

/** edges and nodes list the same items; start/end cursors are the first/last edge's; cursors are distinct. */
export function expectConsistentPage<N extends { id: string }>(conn: Connection<N>) {
  expect(conn.nodes.map((n) => n.id)).toEqual(conn.edges.map((e) => e.node.id));
  expect(conn.pageInfo.startCursor).toBe(conn.edges[0]?.cursor ?? null);
  expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)?.cursor ?? null);
  for (const edge of conn.edges) expect(edge.cursor).toMatch(/\S/);
  expect(new Set(conn.edges.map((e) => e.cursor)).size).toBe(conn.edges.length);
  expect(Number.isInteger(conn.totalCount)).toBe(true);
}

export const nodesOf = <N>(conn: Connection<N>): N[] => conn.edges.map((e) => e.node);
export const idsOf = <N extends { id: string }>(rows: N[]): string[] => rows.map((r) => r.id);

const MAX_PAGES = 500;

/**
 * Walks a connection forward (`first`/`after`) to its end, checking flags, page sizes and that
 * totalCount is `total` on every page. Returns the rows in walk order.
 */
export async function walkForward<N extends { id: string }>(fetch: Pager<N>, size: number, total: number): Promise<N[]> {
  const rows: N[] = [];
  let after: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetch(after === undefined ? { first: size } : { first: size, after });
    expect(page.totalCount).toBe(total);
    expect(page.pageInfo.hasPreviousPage, `forward page ${i} hasPreviousPage`).toBe(i > 0);
    rows.push(...nodesOf(page));
    if (!page.pageInfo.hasNextPage) {
      if (total > 0) expect(page.edges.length, "last forward page is not empty").toBeGreaterThan(0);
      expect(page.edges.length).toBeLessThanOrEqual(size);
      return rows;
    }
    expect(page.edges, `forward page ${i} is full`).toHaveLength(size);
    after = page.pageInfo.endCursor!;
  }
  throw new Error("forward walk did not end");
}

/**
 * Walks a connection backward (`last`/`before`) from its end to its start. Returns the rows in
 * list order (pages prepended), so it can be compared with a forward walk.
 */
export async function walkBackward<N extends { id: string }>(fetch: Pager<N>, size: number, total: number): Promise<N[]> {
  const pages: N[][] = [];
  let before: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetch(before === undefined ? { last: size } : { last: size, before });
    expect(page.totalCount).toBe(total);
    expect(page.pageInfo.hasNextPage, `backward page ${i} hasNextPage`).toBe(i > 0);
    pages.unshift(nodesOf(page));
    if (!page.pageInfo.hasPreviousPage) {
      if (total > 0) expect(page.edges.length, "first backward page is not empty").toBeGreaterThan(0);
      expect(page.edges.length).toBeLessThanOrEqual(size);
      return pages.flat();
    }
    expect(page.edges, `backward page ${i} is full`).toHaveLength(size);
    before = page.pageInfo.startCursor!;
  }
  throw new Error("backward walk did not end");
}

/** Walks a connection with `limit`/`offset`. */
export async function walkOffset<N extends { id: string }>(fetch: Pager<N>, size: number, total: number): Promise<N[]> {
  const rows: N[] = [];
  for (let offset = 0, i = 0; i < MAX_PAGES; i++, offset += size) {
    const page = await fetch({ limit: size, offset });
    expect(page.totalCount).toBe(total);
    expect(page.pageInfo.hasPreviousPage).toBe(offset > 0);
    rows.push(...nodesOf(page));
    if (!page.pageInfo.hasNextPage) return rows;
    expect(page.edges).toHaveLength(size);
  }
  throw new Error("offset walk did not end");
}

/** One sort key of an expected order: how to read it from a node (ISO dates compare as text). */
export type SortSpec<N> = Array<{ key: (node: N) => string; desc: boolean }>;

function compareKeys<N>(a: N, b: N, spec: SortSpec<N>): number {
  for (const { key, desc } of spec) {
    const x = key(a);
    const y = key(b);
    if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
  }
  return 0;
}

/**
 * Asserts `rows` are ordered by `spec`, with rows equal on every key ordered by id, in one
 * direction throughout (the id tiebreaker). Returns how many adjacent pairs were such ties.
 */
export function expectOrdered<N extends { id: string }>(rows: N[], spec: SortSpec<N>): number {
  let tieDirection: number | null = null;
  let ties = 0;
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    const c = compareKeys(a, b, spec);
    expect(c, `rows ${i - 1} and ${i} out of order: ${JSON.stringify(a)} then ${JSON.stringify(b)}`).toBeLessThanOrEqual(0);
    if (c === 0) {
      ties++;
      expect(a.id, `row ${i} repeats row ${i - 1}`).not.toBe(b.id);
      const d = a.id < b.id ? -1 : 1;
      tieDirection ??= d;
      expect(d, `ties at ${i - 1}/${i} not broken by id in one direction`).toBe(tieDirection);
    }
  }
  return ties;
}

/** Asserts `rows` hold every id of `expected` exactly once. */
export function expectExactlyOnce<N extends { id: string }>(rows: N[], expected: string[]) {
  const ids = idsOf(rows);
  expect(new Set(ids).size, "no row repeated").toBe(ids.length);
  expect([...ids].sort()).toEqual([...expected].sort());
}

/** Replaces one character of a cursor, keeping it base64url. */
export function corruptCursor(cursor: string): string {
  return `${cursor.slice(0, 4)}${cursor[4] === "A" ? "B" : "A"}${cursor.slice(5)}`;
}

// ---------------------------------------------------------------------------------------------
// Seeding

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
export const at = (ms: number) => new Date(T0 + ms);
const MINUTE = 60_000;

export type OrderingWorld = {
  tenant: TenantHandle;
  olga: Actor;
  pete: Actor;
  /** Boards olga owns (her MINE scope). */
  boardIds: string[];
  /** Two of olga's boards with 25 and 15 generations. */
  boardA: string;
  boardB: string;
  boardAGenerationIds: string[];
  boardBGenerationIds: string[];
  /** Generations olga may read: her boards' plus pete's public board's (not pete's private board's). */
  readableGenerationIds: string[];
  petePrivateBoard: string;
  petePublicBoard: string;
  tagIds: string[];
};

const TITLES = ["alpha", "beta", "gamma", "delta"];
const GENERATORS = ["image-from-prompt", "text-to-video", "upscale"];
const STATUSES: GenerationStatus[] = ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"];
const TYPES: ArtifactType[] = ["IMAGE", "VIDEO", "AUDIO", "TEXT", "LORA", "MODEL"];
const TAG_NAMES = ["red", "blue", "green", "amber"];

/**
 * A tenant with many rows sharing sort keys: 45 boards of olga (4 titles, 5 creation times,
 * 3 update times), 40 generations on two of them plus 8 on pete's boards, and 30 tags.
 * A second tenant holds look-alike rows that must never show up.
 */
export async function seedOrderingWorld(server: TestServer): Promise<OrderingWorld> {
  const { prisma } = server;
  const tenant = await newTenant(server);
  const olga = await tenant.user("olga");
  const pete = await tenant.user("pete");
  const tenantId = tenant.id;

  await prisma.board.createMany({
    data: Array.from({ length: 45 }, (_, i) => ({
      tenantId,
      ownerId: olga.id,
      title: i % 9 === 8 ? `solo-${i}` : TITLES[i % 4]!,
      isPublic: i % 2 === 0,
      createdAt: at((i % 5) * MINUTE),
      updatedAt: at(1000 * MINUTE + (i % 3) * MINUTE),
    })),
  });
  const boards = await prisma.board.findMany({ where: { ownerId: olga.id }, orderBy: { id: "asc" } });
  const boardA = boards[0]!;
  const boardB = boards[1]!;

  const [petePrivate, petePublic] = await Promise.all([
    prisma.board.create({ data: { tenantId, ownerId: pete.id, title: "alpha", isPublic: false } }),
    prisma.board.create({ data: { tenantId, ownerId: pete.id, title: "alpha", isPublic: true } }),
  ]);

  const generation = (boardId: string, userId: string, i: number): Prisma.GenerationCreateManyInput => ({
    tenantId,
    boardId,
    userId,
    generatorName: GENERATORS[i % 3]!,
    artifactType: TYPES[i % TYPES.length]!,
    status: STATUSES[i % STATUSES.length]!,
    inputParams: { prompt: `p${i}` },
    createdAt: at((i % 4) * 1000),
    updatedAt: at((i % 6) * 1000),
  });
  await prisma.generation.createMany({
    data: [
      ...Array.from({ length: 25 }, (_, i) => generation(boardA.id, olga.id, i)),
      ...Array.from({ length: 15 }, (_, i) => generation(boardB.id, olga.id, i + 100)),
      ...Array.from({ length: 5 }, (_, i) => generation(petePrivate.id, pete.id, i)),
      ...Array.from({ length: 3 }, (_, i) => generation(petePublic.id, pete.id, i)),
    ],
  });
  const generationIds = async (boardIds: string[]) =>
    (await prisma.generation.findMany({ where: { boardId: { in: boardIds } }, select: { id: true } })).map((g) => g.id);

  await prisma.tag.createMany({
    data: Array.from({ length: 30 }, (_, i) => ({
      tenantId,
      name: i % 10 === 9 ? `only-${i}` : TAG_NAMES[i % 4]!,
      slug: `tag-${i}`,
      createdAt: at((i % 3) * 1000),
      updatedAt: at((i % 5) * 1000),
    })),
  });

  // Look-alikes in another tenant (public board, generations, same tag names).
  const other = await newTenant(server);
  const oscar = await other.user("oscar");
  const foreign = await prisma.board.create({ data: { tenantId: other.id, ownerId: oscar.id, title: "alpha", isPublic: true, createdAt: at(0), updatedAt: at(1000 * MINUTE) } });
  await prisma.generation.create({ data: { ...generation(foreign.id, oscar.id, 0), tenantId: other.id } });
  await prisma.tag.create({ data: { tenantId: other.id, name: "red", slug: "tag-0", createdAt: at(0), updatedAt: at(0) } });

  return {
    tenant,
    olga,
    pete,
    boardIds: boards.map((b) => b.id),
    boardA: boardA.id,
    boardB: boardB.id,
    boardAGenerationIds: await generationIds([boardA.id]),
    boardBGenerationIds: await generationIds([boardB.id]),
    readableGenerationIds: await generationIds(boards.map((b) => b.id).concat(petePublic.id)),
    petePrivateBoard: petePrivate.id,
    petePublicBoard: petePublic.id,
    tagIds: (await prisma.tag.findMany({ where: { tenantId }, select: { id: true } })).map((t) => t.id),
  };
}
