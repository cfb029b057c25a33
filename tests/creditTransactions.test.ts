/**
 * `creditTransactionsConnection` and `node(id)` on credit transactions, through GraphQL against
 * real Postgres. Ledger rows are written straight into the database at fixed instants so the
 * newest-first order is known; who may read them is the point: a user their own account's ledger
 * (in `tenant` credits mode, only the shared account's entries they caused), a tenant admin every
 * entry of the tenant, nobody another tenant's.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, newTenant } from "./helpers/actors.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { countStatements } from "./helpers/statements.js";
import { addGeneration, at, createBoard, type Caller } from "./helpers/taggingFixtures.js";

type TxType = "RESERVE" | "FINALIZE" | "REFUND" | "PURCHASE" | "GRANT" | "ADJUST";
type TxView = {
  id: string;
  type: TxType;
  amount: number;
  balanceAfter: number;
  generationId: string | null;
  userId: string | null;
  description: string | null;
  metadata: unknown;
  createdAt: string;
};
type PageView = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  nodes: TxView[];
};
type Vars = Record<string, unknown>;

const TX_FIELDS = "id type amount balanceAfter generationId userId description metadata createdAt";
const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $filter: CreditTransactionFilter, $userId: UUID) {
  conn: creditTransactionsConnection(first: $first, after: $after, last: $last, before: $before, filter: $filter, userId: $userId) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { ${TX_FIELDS} }
  }
}`;
const NODE = `query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on CreditTransaction { type amount userId generationId generation { id } actor { id } }
  }
}`;

let perUser: TestServer;
let pooled: TestServer;

beforeAll(async () => {
  [perUser, pooled] = await Promise.all([startServer({ BOARDS_CREDITS_MODE: "user" }), startServer({ BOARDS_CREDITS_MODE: "tenant" })]);
});
afterAll(async () => {
  await Promise.all([perUser?.close(), pooled?.close()]);
});

const page = async (caller: Caller, vars: Vars = {}) => (await caller.ok<{ conn: PageView }>(LIST, vars)).conn;
const ids = (p: PageView) => p.nodes.map((n) => n.id);

/** Writes one ledger entry `minutes` after the base instant and returns its id. */
async function entry(
  server: TestServer,
  accountId: string,
  tenantId: string,
  row: { type: TxType; amount: number; minutes: number; actorId?: string | null; generationId?: string | null; description?: string },
): Promise<string> {
  const created = await server.prisma.creditTransaction.create({
    data: {
      tenantId,
      accountId,
      type: row.type,
      amount: row.amount,
      balanceAfter: 0,
      actorId: row.actorId ?? null,
      generationId: row.generationId ?? null,
      description: row.description ?? null,
      metadata: { minute: row.minutes },
      createdAt: at(row.minutes),
    },
  });
  return created.id;
}

async function account(server: TestServer, tenantId: string, holder: string): Promise<string> {
  const userId = holder === "tenant" ? null : holder;
  return (await server.prisma.creditAccount.create({ data: { tenantId, holder, userId } })).id;
}

/**
 * `user` mode: tenant A with an admin, Alice (seven entries, two at the same instant) and Bob (two);
 * tenant B with an admin and Carol (one). Each list is newest first (ties by id, descending).
 */
async function perUserWorld() {
  const a = await newTenant(perUser);
  const admin = await a.user("admin", { roles: ["admin"] });
  const alice = await a.user("alice");
  const bob = await a.user("bob");
  const aliceBoard = await createBoard(alice);
  const bobBoard = await createBoard(bob);
  const g1 = (await addGeneration(perUser, aliceBoard, alice.id)).id;
  const bobGen = (await addGeneration(perUser, bobBoard, bob.id)).id;
  const aliceAccount = await account(perUser, a.id, alice.id);
  const bobAccount = await account(perUser, a.id, bob.id);
  const add = (accountId: string, row: Parameters<typeof entry>[3]) => entry(perUser, accountId, a.id, row);
  const grant = await add(aliceAccount, { type: "GRANT", amount: 10, minutes: 1, actorId: admin.id, description: "welcome" });
  const reserve = await add(aliceAccount, { type: "RESERVE", amount: -1, minutes: 2, actorId: alice.id, generationId: g1 });
  const finalize = await add(aliceAccount, { type: "FINALIZE", amount: 0.25, minutes: 3, generationId: g1 });
  const adjust = await add(aliceAccount, { type: "ADJUST", amount: -0.5, minutes: 4, actorId: admin.id });
  // The generation of this one was deleted since.
  const orphan = await add(aliceAccount, { type: "RESERVE", amount: -2, minutes: 5, actorId: alice.id, generationId: randomUUID() });
  const refund = await add(aliceAccount, { type: "REFUND", amount: 2, minutes: 6 });
  const purchase = await add(aliceAccount, { type: "PURCHASE", amount: 5, minutes: 6 });
  const bobGrant = await add(bobAccount, { type: "GRANT", amount: 3, minutes: 1, actorId: admin.id });
  const bobReserve = await add(bobAccount, { type: "RESERVE", amount: -1, minutes: 7, actorId: bob.id, generationId: bobGen });
  const sameInstant = [refund, purchase].sort().reverse();
  const aliceAll = [...sameInstant, orphan, adjust, finalize, reserve, grant];

  const b = await newTenant(perUser);
  const adminB = await b.user("admin", { roles: ["admin"] });
  const carol = await b.user("carol");
  const carolGrant = await entry(perUser, await account(perUser, b.id, carol.id), b.id, { type: "GRANT", amount: 1, minutes: 3, actorId: adminB.id });

  return {
    a, admin, alice, bob, adminB, carol, g1, bobGen,
    tx: { grant, reserve, finalize, adjust, orphan, refund, purchase, bobGrant, bobReserve, carolGrant },
    aliceAll,
    bobAll: [bobReserve, bobGrant],
  };
}

type PerUserWorld = Awaited<ReturnType<typeof perUserWorld>>;

describe("creditTransactionsConnection in user mode", () => {
  let w: PerUserWorld;
  beforeAll(async () => {
    w = await perUserWorld();
  });

  it("shows a user their own account's transactions, newest first, with their fields", async () => {
    const all = await page(w.alice);
    expect(ids(all)).toEqual(w.aliceAll);
    expect(all.totalCount).toBe(7);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const grant = all.nodes.find((n) => n.id === w.tx.grant)!;
    expect(grant).toEqual({
      id: w.tx.grant,
      type: "GRANT",
      amount: 10,
      balanceAfter: 0,
      generationId: null,
      userId: w.alice.id,
      description: "welcome",
      metadata: { minute: 1 },
      createdAt: at(1).toISOString(),
    });
    expect(all.nodes.find((n) => n.id === w.tx.reserve)).toMatchObject({ type: "RESERVE", amount: -1, generationId: w.g1 });
  });

  it("pages forward with first/after and backward with last/before over the same order", async () => {
    const forward: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: PageView = await page(w.alice, { first: 3, after });
      forward.push(...ids(p));
      expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forward).toEqual(w.aliceAll);

    const backward: string[] = [];
    let before: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: PageView = await page(w.alice, { last: 2, before });
      backward.unshift(...ids(p));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backward).toEqual(w.aliceAll);

    const last = await page(w.alice, { last: 2 });
    expect(ids(last)).toEqual(w.aliceAll.slice(-2));
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("filters by type and by date range", async () => {
    const reservations = await page(w.alice, { filter: { type: { in: ["RESERVE", "FINALIZE"] } } });
    expect(ids(reservations)).toEqual([w.tx.orphan, w.tx.finalize, w.tx.reserve]);
    expect(reservations.totalCount).toBe(3);
    expect(ids(await page(w.alice, { filter: { type: { equals: "ADJUST" } } }))).toEqual([w.tx.adjust]);
    expect(ids(await page(w.alice, { filter: { type: { notIn: ["RESERVE", "FINALIZE", "GRANT"] } } }))).toEqual([...w.aliceAll.slice(0, 2), w.tx.adjust]);

    const window = await page(w.alice, { filter: { createdAt: { gte: at(2).toISOString(), lt: at(5).toISOString() } } });
    expect(ids(window)).toEqual([w.tx.adjust, w.tx.finalize, w.tx.reserve]);
    const both = await page(w.alice, { filter: { type: { equals: "RESERVE" }, createdAt: { gt: at(2).toISOString() } } });
    expect(ids(both)).toEqual([w.tx.orphan]);
    // A filter never widens what the caller may see.
    expect(ids(await page(w.alice, { filter: { id: { in: [w.tx.bobGrant, w.tx.carolGrant] } } }))).toEqual([]);
  });

  it("never shows another user's transactions, and refuses userId of someone else to a non-admin", async () => {
    const bobs = await page(w.bob);
    expect(ids(bobs)).toEqual(w.bobAll);
    expect(ids(await page(w.alice, { userId: w.alice.id }))).toEqual(w.aliceAll);
    expectError(await w.alice.gql(LIST, { userId: w.bob.id }), "FORBIDDEN");
    expectError(await w.carol.gql(LIST, { userId: w.alice.id }), "FORBIDDEN");
  });

  it("shows a tenant admin every transaction of the tenant, narrowed by userId on request", async () => {
    const all = await page(w.admin, { first: 100 });
    expect(ids(all).sort()).toEqual([...w.aliceAll, ...w.bobAll].sort());
    expect(all.totalCount).toBe(9);
    expect(ids(all)[0]).toBe(w.tx.bobReserve);
    expect(ids(await page(w.admin, { userId: w.bob.id }))).toEqual(w.bobAll);
    expect(ids(await page(w.admin, { userId: w.alice.id, first: 2 }))).toEqual(w.aliceAll.slice(0, 2));
    // The admin has no account of their own: nothing, not everything.
    expect(ids(await page(w.admin, { userId: w.admin.id }))).toEqual([]);
  });

  it("never shows another tenant's transactions, not even to its admin", async () => {
    const b = await page(w.adminB, { first: 100 });
    expect(ids(b)).toEqual([w.tx.carolGrant]);
    expect(ids(await page(w.adminB, { userId: w.alice.id }))).toEqual([]);
    expect(ids(await page(w.adminB, { filter: { id: { in: w.aliceAll } } }))).toEqual([]);
    expect((await w.adminB.ok<{ node: unknown }>(NODE, { id: w.tx.grant })).node).toBeNull();
    expect(ids(await page(w.admin, { filter: { id: { equals: w.tx.carolGrant } } }))).toEqual([]);
  });

  it("node(id) finds a visible transaction and is null for an invisible one", async () => {
    const own = (await w.alice.ok<{ node: Record<string, unknown> | null }>(NODE, { id: w.tx.reserve })).node;
    expect(own).toEqual({
      __typename: "CreditTransaction",
      id: w.tx.reserve,
      type: "RESERVE",
      amount: -1,
      userId: w.alice.id,
      generationId: w.g1,
      generation: { id: w.g1 },
      actor: { id: w.alice.id },
    });
    expect((await w.alice.ok<{ node: unknown }>(NODE, { id: w.tx.bobGrant })).node).toBeNull();
    expect((await w.bob.ok<{ node: unknown }>(NODE, { id: w.tx.grant })).node).toBeNull();
    expect((await w.admin.ok<{ node: { id: string } | null }>(NODE, { id: w.tx.bobGrant })).node?.id).toBe(w.tx.bobGrant);
    expect((await w.a.anonymous.ok<{ node: unknown }>(NODE, { id: w.tx.grant })).node).toBeNull();
    const both = await w.alice.ok<{ nodes: Array<{ id: string } | null> }>(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [w.tx.grant, w.tx.bobGrant] });
    expect(both.nodes).toEqual([{ id: w.tx.grant }, null]);
  });

  it("resolves generation and actor, the generation by its own visibility rule", async () => {
    const query = `query($userId: UUID) { conn: creditTransactionsConnection(userId: $userId, first: 100) { nodes { id generation { id userId } actor { id } } } }`;
    type Row = { id: string; generation: { id: string; userId: string } | null; actor: { id: string } | null };
    const mine = new Map((await w.alice.ok<{ conn: { nodes: Row[] } }>(query)).conn.nodes.map((n) => [n.id, n]));
    expect(mine.get(w.tx.reserve)).toEqual({ id: w.tx.reserve, generation: { id: w.g1, userId: w.alice.id }, actor: { id: w.alice.id } });
    expect(mine.get(w.tx.finalize)).toEqual({ id: w.tx.finalize, generation: { id: w.g1, userId: w.alice.id }, actor: null });
    expect(mine.get(w.tx.grant)).toEqual({ id: w.tx.grant, generation: null, actor: { id: w.admin.id } });
    expect(mine.get(w.tx.orphan)?.generation).toBeNull();
    // The admin sees Bob's reservation, but not the generation on Bob's private board.
    const bobs = (await w.admin.ok<{ conn: { nodes: Row[] } }>(query, { userId: w.bob.id })).conn.nodes;
    expect(bobs.find((n) => n.id === w.tx.bobReserve)).toEqual({ id: w.tx.bobReserve, generation: null, actor: { id: w.bob.id } });
    const asBob = (await w.bob.ok<{ conn: { nodes: Row[] } }>(query)).conn.nodes;
    expect(asBob.find((n) => n.id === w.tx.bobReserve)?.generation).toEqual({ id: w.bobGen, userId: w.bob.id });
  });

  it("refuses anonymous callers with UNAUTHENTICATED", async () => {
    const result = await w.a.anonymous.gql(LIST);
    expectError(result, "UNAUTHENTICATED");
    expect(result.data ?? null).toBeNull();
  });

  it.each<{ name: string; vars: Vars; argument: string | string[] }>([
    { name: "first: -1", vars: { first: -1 }, argument: "first" },
    { name: "first: 0", vars: { first: 0 }, argument: "first" },
    { name: "first: 101", vars: { first: 101 }, argument: "first" },
    { name: "last: 101", vars: { last: 101 }, argument: "last" },
    { name: "first with last", vars: { first: 1, last: 1 }, argument: ["first", "last"] },
    { name: "a cursor that is not one", vars: { first: 1, after: "nope" }, argument: "after" },
  ])("refuses $name with BAD_USER_INPUT as the other connections do", async ({ vars, argument }) => {
    const error = expectError(await w.alice.gql(LIST, vars), "BAD_USER_INPUT");
    expect(Array.isArray(argument) ? argument : [argument]).toContain(error.extensions?.argument);
  });

  it("refuses a cursor of another connection", async () => {
    const other = await w.alice.ok<{ generationsConnection: { pageInfo: { endCursor: string } } }>(`{ generationsConnection(first: 1) { pageInfo { endCursor } } }`);
    const error = expectError(await w.alice.gql(LIST, { first: 1, after: other.generationsConnection.pageInfo.endCursor }), "BAD_USER_INPUT");
    expect(error.extensions?.argument).toBe("after");
  });

  it("refuses first: 10000 exactly as generationsConnection does", async () => {
    const reference = await w.alice.gql(`query($first: Int) { conn: generationsConnection(first: $first) { nodes { id } } }`, { first: 10_000 });
    const expected = expectError(reference, "BAD_USER_INPUT");
    const error = expectError(await w.alice.gql(LIST, { first: 10_000 }), "BAD_USER_INPUT");
    expect(error.extensions?.argument).toBe("first");
    expect(error.message).toBe(expected.message);
  });
});

describe("creditTransactionsConnection cost", () => {
  /** Statements of one page of a user's `count` reservations, each of its own generation, with generation and actor. */
  async function statementsFor(count: number): Promise<number> {
    const t = await newTenant(perUser);
    const owner = await t.user("owner");
    const boardId = await createBoard(owner);
    const accountId = await account(perUser, t.id, owner.id);
    for (let i = 0; i < count; i++) {
      const generationId = (await addGeneration(perUser, boardId, owner.id)).id;
      await entry(perUser, accountId, t.id, { type: "RESERVE", amount: -1, minutes: i, actorId: owner.id, generationId });
    }
    const query = `{ conn: creditTransactionsConnection(first: 100) { totalCount nodes { id userId generation { id board { id } } actor { id } } } }`;
    let nodes = 0;
    const statements = await countStatements(perUser.pool, async () => {
      nodes = (await owner.ok<{ conn: { nodes: unknown[] } }>(query)).conn.nodes.length;
    });
    expect(nodes).toBe(count);
    return statements;
  }

  it("costs the same number of statements for 3 and 30 transactions (relations through the loaders)", async () => {
    expect(await statementsFor(30)).toBe(await statementsFor(3));
  });
});

describe("creditTransactionsConnection in tenant mode", () => {
  let w: Awaited<ReturnType<typeof poolWorld>>;

  /** One shared account: an admin's grant, Dan's reservation and its settlement, Eve's reservation. */
  async function poolWorld() {
    const t = await newTenant(pooled);
    const admin = await t.user("admin", { roles: ["admin"] });
    const dan = await t.user("dan");
    const eve = await t.user("eve");
    const danGen = (await addGeneration(pooled, await createBoard(dan), dan.id)).id;
    const pool = await account(pooled, t.id, "tenant");
    const add = (row: Parameters<typeof entry>[3]) => entry(pooled, pool, t.id, row);
    const grant = await add({ type: "GRANT", amount: 5, minutes: 1, actorId: admin.id });
    const danReserve = await add({ type: "RESERVE", amount: -1, minutes: 2, actorId: dan.id, generationId: danGen });
    // Settlements name the generation's user as their actor, as settleReservation writes them.
    const danFinalize = await add({ type: "FINALIZE", amount: 0, minutes: 3, actorId: dan.id, generationId: danGen });
    const eveReserve = await add({ type: "RESERVE", amount: -1, minutes: 4, actorId: eve.id, generationId: randomUUID() });
    return { t, admin, dan, eve, danGen, tx: { grant, danReserve, danFinalize, eveReserve } };
  }

  beforeAll(async () => {
    w = await poolWorld();
  });

  it("shows a member only the shared account's transactions they caused", async () => {
    const dans = await page(w.dan);
    expect(ids(dans)).toEqual([w.tx.danFinalize, w.tx.danReserve]);
    expect(dans.nodes[1]).toMatchObject({ userId: null, generationId: w.danGen });
    expect(ids(await page(w.eve))).toEqual([w.tx.eveReserve]);
    expectError(await w.dan.gql(LIST, { userId: w.eve.id }), "FORBIDDEN");
    expect((await w.dan.ok<{ node: unknown }>(NODE, { id: w.tx.eveReserve })).node).toBeNull();
    expect((await w.dan.ok<{ node: unknown }>(NODE, { id: w.tx.grant })).node).toBeNull();
    expect((await w.dan.ok<{ node: { id: string } | null }>(NODE, { id: w.tx.danReserve })).node?.id).toBe(w.tx.danReserve);
  });

  it("shows the admin the whole shared ledger, and what one member sees with userId", async () => {
    expect(ids(await page(w.admin))).toEqual([w.tx.eveReserve, w.tx.danFinalize, w.tx.danReserve, w.tx.grant]);
    expect(ids(await page(w.admin, { userId: w.dan.id }))).toEqual([w.tx.danFinalize, w.tx.danReserve]);
    expect((await w.admin.ok<{ node: { id: string } | null }>(NODE, { id: w.tx.danFinalize })).node?.id).toBe(w.tx.danFinalize);
  });
});
