/**
 * A billing system's purchases over real HTTP (`POST /api/setup/credits/purchase`, and
 * `GET /api/setup/credits/{tenant_id}`): the admin token, FastAPI-style 422s, 404s, a purchase
 * visible to the user through GraphQL, and the idempotency key — a retry (even ten at once)
 * credits once and answers 200 with the original transaction; the key reused for a different
 * purchase is a 409.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, uniqueSlug, type Actor, type TenantHandle } from "./helpers/actors.js";
import { startServer, type TestServer } from "./helpers/server.js";

const ADMIN_TOKEN = `admin-${uniqueSlug("token")}-0123456789`;
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const PURCHASE = "/api/setup/credits/purchase";
const CREDITS_OFF = "Credits are off: set BOARDS_CREDITS_MODE to user or tenant";

type Reply = { status: number; headers: Headers; body: Record<string, unknown> };
type Figures = { balance: number; reserved: number; available: number };
type Detail = Array<{ loc: string[]; msg: string; type: string }>;

/** One request; `token` defaults to the admin token (null: no Authorization header). */
async function call(server: TestServer, method: string, path: string, options: { body?: unknown; token?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await server.fetch(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const purchase = (server: TestServer, body: unknown, token?: string | null) => call(server, "POST", PURCHASE, { body, token });

/**
 * Statements of this database waiting for a lock on a credit account (read outside the locking
 * transaction: pg_stat_activity is a snapshot for the length of one).
 */
const WAITING_ON_ACCOUNTS = `SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE credit_accounts%'`;

let perUser: TestServer;
let pooled: TestServer;
let off: TestServer;
let disabled: TestServer;
beforeAll(async () => {
  [perUser, pooled, off, disabled] = await Promise.all([
    // Connections enough for ten purchases waiting at once, and the test's own.
    startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, BOARDS_CREDITS_MODE: "user", BOARDS_DATABASE_POOL_SIZE: "14" }),
    startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, BOARDS_CREDITS_MODE: "tenant" }),
    startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN }),
    startServer({ BOARDS_CREDITS_MODE: "user" }),
  ]);
});
afterAll(async () => {
  await Promise.all([perUser?.close(), pooled?.close(), off?.close(), disabled?.close()]);
});

async function tenantWithUser(server: TestServer): Promise<{ tenant: TenantHandle; user: Actor }> {
  const tenant = await newTenant(server);
  return { tenant, user: await tenant.user("buyer") };
}

const myCredits = async (actor: Actor) => (await actor.ok<{ me: { credits: Figures } }>("{ me { credits { balance reserved available } } }")).me.credits;

const purchaseCount = (server: TestServer, tenantId: string) => server.prisma.creditTransaction.count({ where: { tenantId, type: "PURCHASE" } });

describe("the admin token", () => {
  it.each([
    ["POST", PURCHASE],
    ["GET", `/api/setup/credits/${UNKNOWN_ID}`],
  ])("%s %s answers 401 without it or with a wrong one, 403 while none is configured", async (method, path) => {
    const { tenant, user } = await tenantWithUser(perUser);
    const body = method === "POST" ? { tenant_id: tenant.id, user_id: user.id, amount: 5, idempotency_key: uniqueSlug("k") } : undefined;
    expect(await call(perUser, method, path, { body, token: null })).toMatchObject({ status: 401, body: { detail: "Admin token required" } });
    const wrong = await call(perUser, method, path, { body, token: "not-the-admin-token" });
    expect(wrong).toMatchObject({ status: 401, body: { detail: "Invalid admin token" } });
    expect(wrong.headers.get("www-authenticate")).toBe("Bearer");
    expect(await call(disabled, method, path, { body })).toMatchObject({ status: 403, body: { detail: "Setup endpoints are disabled: set BOARDS_ADMIN_TOKEN" } });
    expect(await purchaseCount(perUser, tenant.id)).toBe(0);
    expect(await myCredits(user)).toEqual({ balance: 0, reserved: 0, available: 0 });
  });
});

describe("POST /api/setup/credits/purchase", () => {
  it("credits the user, answers 201 with the transaction and the figures, and the user sees them through GraphQL", async () => {
    const { tenant, user } = await tenantWithUser(perUser);
    const key = uniqueSlug("order");
    const reply = await purchase(perUser, { tenant_id: tenant.id, user_id: user.id, amount: 12.5, idempotency_key: key, description: "Starter pack", metadata: { order: 42 } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body).toEqual({
      transaction: { id: expect.any(String), type: "purchase", amount: 12.5, balance_after: 12.5, created_at: expect.any(String), idempotency_key: key },
      credits: { balance: 12.5, reserved: 0, available: 12.5 },
      replayed: false,
    });
    expect(await myCredits(user)).toEqual({ balance: 12.5, reserved: 0, available: 12.5 });
    const row = await perUser.prisma.creditTransaction.findUniqueOrThrow({ where: { id: (reply.body.transaction as { id: string }).id } });
    expect(row).toMatchObject({ description: "Starter pack", metadata: { order: 42 }, actorId: null });

    // By slug, a second purchase adds up.
    const more = await purchase(perUser, { tenant_slug: tenant.slug, user_id: user.id, amount: 0.000001, idempotency_key: uniqueSlug("order") });
    expect(more.status).toBe(201);
    expect(more.body.credits).toEqual({ balance: 12.500001, reserved: 0, available: 12.500001 });
    const figures = await call(perUser, "GET", `/api/setup/credits/${tenant.id}?user_id=${user.id}`);
    expect(figures).toMatchObject({ status: 200, body: { tenant_id: tenant.id, user_id: user.id, credits: { balance: 12.500001, reserved: 0, available: 12.500001 } } });
  });

  it("replays the same key with 200, the original transaction and no second credit", async () => {
    const { tenant, user } = await tenantWithUser(perUser);
    const body = { tenant_id: tenant.id, user_id: user.id, amount: 3, idempotency_key: uniqueSlug("order") };
    const first = await purchase(perUser, body);
    expect(first.status).toBe(201);
    // A retry may carry another description or metadata: it is the same purchase.
    const again = await purchase(perUser, { ...body, description: "retried", metadata: { attempt: 2 } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ transaction: first.body.transaction, credits: { balance: 3, reserved: 0, available: 3 }, replayed: true });
    expect(await myCredits(user)).toEqual({ balance: 3, reserved: 0, available: 3 });
    expect(await purchaseCount(perUser, tenant.id)).toBe(1);
  });

  it("credits exactly once when ten requests with one key arrive at once", async () => {
    const { tenant, user } = await tenantWithUser(perUser);
    expect((await purchase(perUser, { tenant_id: tenant.id, user_id: user.id, amount: 1, idempotency_key: uniqueSlug("opening") })).status).toBe(201);
    const body = { tenant_id: tenant.id, user_id: user.id, amount: 7, idempotency_key: uniqueSlug("order") };
    // The account row held locked, so all ten pass the look-up for the key and then queue on the
    // row: the race the unique key must settle, not a sequence of replays.
    const holder = await perUser.pool.connect();
    let replies: Reply[];
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM credit_accounts WHERE tenant_id = $1 FOR UPDATE", [tenant.id]);
      const pending = Promise.all(Array.from({ length: 10 }, () => purchase(perUser, body)));
      await expect
        .poll(async () => (await perUser.pool.query<{ n: number }>(WAITING_ON_ACCOUNTS)).rows[0]!.n, { timeout: 10_000 })
        .toBe(10);
      await holder.query("COMMIT");
      replies = await pending;
    } finally {
      holder.release();
    }
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(replies.map((r) => (r.body.transaction as { id: string }).id)).size).toBe(1);
    expect(replies.filter((r) => r.body.replayed === true)).toHaveLength(9);
    expect(await myCredits(user)).toEqual({ balance: 8, reserved: 0, available: 8 });
    expect(await purchaseCount(perUser, tenant.id)).toBe(2);
  });

  it("answers 409 when the key was used for a different purchase (amount or user)", async () => {
    const { tenant, user } = await tenantWithUser(perUser);
    const other = await tenant.user("other");
    const body = { tenant_id: tenant.id, user_id: user.id, amount: 2, idempotency_key: uniqueSlug("order") };
    expect((await purchase(perUser, body)).status).toBe(201);
    const detail = `Idempotency key '${body.idempotency_key}' was already used for a different purchase`;
    expect(await purchase(perUser, { ...body, amount: 20 })).toMatchObject({ status: 409, body: { detail } });
    expect(await purchase(perUser, { ...body, user_id: other.id })).toMatchObject({ status: 409, body: { detail } });
    expect(await myCredits(user)).toMatchObject({ balance: 2 });
    expect(await myCredits(other)).toMatchObject({ balance: 0 });
    expect(await purchaseCount(perUser, tenant.id)).toBe(1);
  });

  it("keeps keys per tenant: another tenant may use the same key", async () => {
    const [a, b] = await Promise.all([tenantWithUser(perUser), tenantWithUser(perUser)]);
    const key = uniqueSlug("shared");
    expect((await purchase(perUser, { tenant_id: a.tenant.id, user_id: a.user.id, amount: 1, idempotency_key: key })).status).toBe(201);
    expect((await purchase(perUser, { tenant_id: b.tenant.id, user_id: b.user.id, amount: 1, idempotency_key: key })).status).toBe(201);
  });

  it.each<[string, (ids: { tenant: string; user: string }) => unknown, string[]]>([
    ["without an idempotency key", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 1 }), ["body", "idempotency_key"]],
    ["with an empty idempotency key", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 1, idempotency_key: "" }), ["body", "idempotency_key"]],
    ["with a 256-character idempotency key", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 1, idempotency_key: "k".repeat(256) }), ["body", "idempotency_key"]],
    ["with a negative amount", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: -1, idempotency_key: "k" }), ["body", "amount"]],
    ["with a zero amount", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 0, idempotency_key: "k" }), ["body", "amount"]],
    ["with seven decimals", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 1.0000001, idempotency_key: "k" }), ["body", "amount"]],
    ["with an amount above 1e9", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 1e9 + 1, idempotency_key: "k" }), ["body", "amount"]],
    ["with an amount that is a string", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: "5", idempotency_key: "k" }), ["body", "amount"]],
    ["with a tenant_id that is not a UUID", (i) => ({ tenant_id: "acme", user_id: i.user, amount: 1, idempotency_key: "k" }), ["body", "tenant_id"]],
    ["without a tenant", (i) => ({ user_id: i.user, amount: 1, idempotency_key: "k" }), ["body", "tenant_id"]],
    ["with a user_id that is not a UUID", (i) => ({ tenant_id: i.tenant, user_id: "bob", amount: 1, idempotency_key: "k" }), ["body", "user_id"]],
    ["without a user_id in user mode", (i) => ({ tenant_id: i.tenant, amount: 1, idempotency_key: "k" }), ["body", "user_id"]],
    ["with metadata that is not an object", (i) => ({ tenant_id: i.tenant, user_id: i.user, amount: 1, idempotency_key: "k", metadata: [1] }), ["body", "metadata"]],
  ])("answers 422 for a body %s and credits nothing", async (_, make, loc) => {
    const { tenant, user } = await tenantWithUser(perUser);
    const reply = await purchase(perUser, make({ tenant: tenant.id, user: user.id }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(422);
    const detail = reply.body.detail as Detail;
    expect(detail.map((d) => d.loc)).toContainEqual(loc);
    for (const item of detail) expect(item).toMatchObject({ msg: expect.any(String), type: expect.any(String) });
    expect(await purchaseCount(perUser, tenant.id)).toBe(0);
  });

  it("answers 404 for an unknown tenant, an unknown user and another tenant's user", async () => {
    const [mine, theirs] = await Promise.all([tenantWithUser(perUser), tenantWithUser(perUser)]);
    const body = { amount: 1, idempotency_key: uniqueSlug("k") };
    expect(await purchase(perUser, { ...body, tenant_id: UNKNOWN_ID, user_id: mine.user.id })).toMatchObject({ status: 404, body: { detail: `Tenant with ID ${UNKNOWN_ID} not found` } });
    expect(await purchase(perUser, { ...body, tenant_slug: "no-such-tenant-here", user_id: mine.user.id })).toMatchObject({ status: 404 });
    expect(await purchase(perUser, { ...body, tenant_id: mine.tenant.id, user_id: UNKNOWN_ID })).toMatchObject({ status: 404 });
    const foreign = await purchase(perUser, { ...body, tenant_id: mine.tenant.id, user_id: theirs.user.id });
    expect(foreign).toMatchObject({ status: 404, body: { detail: `User with ID ${theirs.user.id} not found in the tenant` } });
    expect(await myCredits(theirs.user)).toMatchObject({ balance: 0 });
    expect(await purchaseCount(perUser, mine.tenant.id)).toBe(0);
    expect(await purchaseCount(perUser, theirs.tenant.id)).toBe(0);
  });

  it("answers 409 naming BOARDS_CREDITS_MODE while credits are off, and 405 for other methods", async () => {
    const { tenant, user } = await tenantWithUser(off);
    expect(await purchase(off, { tenant_id: tenant.id, user_id: user.id, amount: 1, idempotency_key: "k" })).toMatchObject({ status: 409, body: { detail: CREDITS_OFF } });
    expect(await call(off, "GET", `/api/setup/credits/${tenant.id}?user_id=${user.id}`)).toMatchObject({ status: 409, body: { detail: CREDITS_OFF } });
    expect(await off.prisma.creditTransaction.count({ where: { tenantId: tenant.id } })).toBe(0);
    const get = await call(perUser, "GET", PURCHASE);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});

describe("tenant mode", () => {
  it("credits the tenant's shared pool, which every member sees; a user_id is refused", async () => {
    const { tenant, user } = await tenantWithUser(pooled);
    const member = await tenant.user("member");
    const refused = await purchase(pooled, { tenant_id: tenant.id, user_id: user.id, amount: 1, idempotency_key: uniqueSlug("k") });
    expect(refused.status).toBe(422);
    expect((refused.body.detail as Detail).map((d) => d.loc)).toEqual([["body", "user_id"]]);
    const bought = await purchase(pooled, { tenant_slug: tenant.slug, amount: 4, idempotency_key: uniqueSlug("k") });
    expect(bought).toMatchObject({ status: 201, body: { credits: { balance: 4, reserved: 0, available: 4 }, replayed: false } });
    expect(await myCredits(member)).toEqual({ balance: 4, reserved: 0, available: 4 });
    expect(await call(pooled, "GET", `/api/setup/credits/${tenant.id}`)).toMatchObject({ status: 200, body: { tenant_id: tenant.id, user_id: null, credits: { balance: 4 } } });
    const byUser = await call(pooled, "GET", `/api/setup/credits/${tenant.id}?user_id=${user.id}`);
    expect(byUser.status).toBe(422);
    expect((byUser.body.detail as Detail).map((d) => d.loc)).toEqual([["query", "user_id"]]);
  });
});

describe("GET /api/setup/credits/{tenant_id}", () => {
  it("answers 422 for a bad tenant id or a missing user_id in user mode, 404 for unknown ones, zeros for an account never credited", async () => {
    const { tenant, user } = await tenantWithUser(perUser);
    const badId = await call(perUser, "GET", "/api/setup/credits/acme");
    expect(badId).toMatchObject({ status: 422, body: { detail: [{ loc: ["path", "tenant_id"] }] } });
    const missing = await call(perUser, "GET", `/api/setup/credits/${tenant.id}`);
    expect(missing).toMatchObject({ status: 422, body: { detail: [{ loc: ["query", "user_id"] }] } });
    expect(await call(perUser, "GET", `/api/setup/credits/${tenant.id}?user_id=nope`)).toMatchObject({ status: 422, body: { detail: [{ loc: ["query", "user_id"] }] } });
    expect(await call(perUser, "GET", `/api/setup/credits/${UNKNOWN_ID}?user_id=${user.id}`)).toMatchObject({ status: 404 });
    expect(await call(perUser, "GET", `/api/setup/credits/${tenant.id}?user_id=${UNKNOWN_ID}`)).toMatchObject({ status: 404 });
    expect(await call(perUser, "GET", `/api/setup/credits/${tenant.id}?user_id=${user.id}`)).toMatchObject({ status: 200, body: { credits: { balance: 0, reserved: 0, available: 0 } } });
  });
});
