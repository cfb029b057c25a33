/**
 * Credits through the API against real Postgres: submissions reserve their estimate in the
 * statement that inserts them (refused with INSUFFICIENT_CREDITS otherwise, nothing written),
 * completion finalizes, cancellation refunds; 50 concurrent submissions against a balance that
 * covers 10 accept exactly 10; a settlement lost to a crash is made by the recovery sweep; and an
 * account's transactions always sum to its available credits. The servers price `image-from-prompt`
 * at 0.001 credits per image through their generators file (built-ins are otherwise free).
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settleReservation } from "../src/services/credits/creditReservations.js";
import { expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import { awaitGeneration, startIsolatedServer, tryCreateGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";

type Figures = { balance: number; reserved: number; available: number };

const ME_CREDITS = `{ me { credits { balance reserved available } } }`;
const GRANT = `mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { balance reserved available } }`;

let worker: TestServer;
let quiet: TestServer;
let pooled: TestServer;

const PRICED = fileURLToPath(new URL("./fixtures/generators/priced-builtins.yaml", import.meta.url));

beforeAll(async () => {
  [worker, quiet, pooled] = await Promise.all([
    startIsolatedServer({ BOARDS_CREDITS_MODE: "user", BOARDS_GENERATORS_CONFIG_PATH: PRICED }, { worker: true }),
    startIsolatedServer({ BOARDS_CREDITS_MODE: "user", BOARDS_GENERATORS_CONFIG_PATH: PRICED }),
    startIsolatedServer({ BOARDS_CREDITS_MODE: "tenant", BOARDS_GENERATORS_CONFIG_PATH: PRICED }, { worker: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([worker?.close(), quiet?.close(), pooled?.close()]);
});

/** A tenant with an admin (roles claim) and a member. */
async function tenantOf(server: TestServer): Promise<{ tenant: TenantHandle; admin: Actor; user: Actor; boardId: string }> {
  const tenant = await newTenant(server);
  const admin = await tenant.user("admin", { roles: ["admin"] });
  const user = await tenant.user("maker");
  return { tenant, admin, user, boardId: await createBoard(user) };
}

const credits = async (actor: Actor) => (await actor.ok<{ me: { credits: Figures } }>(ME_CREDITS)).me.credits;

const submit = (actor: Actor, boardId: string, prompt = "a fox") =>
  tryCreateGeneration(actor, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt, width: 16, height: 16 } });

/** Every transaction of an account, oldest first, with the invariant checked: amounts sum to the available credits. */
async function ledger(server: TestServer, tenantId: string, holder: string) {
  const account = await server.prisma.creditAccount.findUniqueOrThrow({ where: { tenantId_holder: { tenantId, holder } } });
  const rows = await server.prisma.creditTransaction.findMany({ where: { accountId: account.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const sum = rows.reduce((total, r) => total.plus(r.amount), account.balance.minus(account.balance));
  expect(sum.toFixed(6)).toBe(account.balance.minus(account.reserved).toFixed(6));
  return rows.map((r) => ({ type: r.type, amount: r.amount.toNumber(), balanceAfter: r.balanceAfter.toNumber(), generationId: r.generationId }));
}

describe("reserve, finalize and refund", () => {
  it("a submission reserves its estimate, completion charges it, and the ledger tells the story", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(worker);
    expect(await credits(user)).toEqual({ balance: 0, reserved: 0, available: 0 });
    const granted = await admin.ok<{ grantCredits: Figures }>(GRANT, { input: { userId: user.id, amount: 0.005, description: "welcome" } });
    expect(granted.grantCredits).toEqual({ balance: 0.005, reserved: 0, available: 0.005 });

    const result = await submit(user, boardId);
    const id = result.data!.createGeneration.id;
    const done = await awaitGeneration(user, id);
    expect(done.status).toBe("COMPLETED");
    await expect.poll(() => credits(user)).toEqual({ balance: 0.004, reserved: 0, available: 0.004 });
    expect(await ledger(worker, tenant.id, user.id)).toEqual([
      { type: "GRANT", amount: 0.005, balanceAfter: 0.005, generationId: null },
      { type: "RESERVE", amount: -0.001, balanceAfter: 0.004, generationId: id },
      { type: "FINALIZE", amount: 0, balanceAfter: 0.004, generationId: id },
    ]);
  });

  it("a submission the account cannot cover is refused with INSUFFICIENT_CREDITS and writes nothing", async () => {
    const { tenant, user, boardId } = await tenantOf(quiet);
    const before = await quiet.prisma.generation.count({ where: { tenantId: tenant.id } });
    const refused = await submit(user, boardId);
    const error = expectError(refused, "INSUFFICIENT_CREDITS", /insufficient credits/);
    expect(error.extensions).toMatchObject({ required: 0.001, available: 0 });
    expect(await quiet.prisma.generation.count({ where: { tenantId: tenant.id } })).toBe(before);
    expect(await quiet.prisma.creditTransaction.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  it("a submission to a board the user may not edit reserves nothing, whatever the account holds", async () => {
    const { tenant, admin, user } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 1 } });
    const othersBoard = await createBoard(admin);
    expectError(await submit(user, othersBoard), "NOT_FOUND");
    expectError(await submit(user, "00000000-0000-4000-8000-000000000000"), "NOT_FOUND");
    expect(await credits(user)).toEqual({ balance: 1, reserved: 0, available: 1 });
    expect((await ledger(quiet, tenant.id, user.id)).map((t) => t.type)).toEqual(["GRANT"]);
  });

  it("cancelling refunds the reservation", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 1 } });
    const id = (await submit(user, boardId)).data!.createGeneration.id;
    expect(await credits(user)).toEqual({ balance: 1, reserved: 0.001, available: 0.999 });
    await user.ok(`mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`, { id });
    expect(await credits(user)).toEqual({ balance: 1, reserved: 0, available: 1 });
    expect((await ledger(quiet, tenant.id, user.id)).map((t) => [t.type, t.amount])).toEqual([
      ["GRANT", 1],
      ["RESERVE", -0.001],
      ["REFUND", 0.001],
    ]);
  });

  it("finalizes at the provider's actual cost, releasing the rest, and never charges more than the account holds", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 0.002 } });
    const cheaper = (await submit(user, boardId, "cheaper")).data!.createGeneration.id;
    const dearer = (await submit(user, boardId, "dearer")).data!.createGeneration.id;
    expect(await credits(user)).toEqual({ balance: 0.002, reserved: 0.002, available: 0 });
    // Ended as a worker ends them, then settled with the provider's figures (once only).
    await quiet.prisma.generation.updateMany({ where: { id: { in: [cheaper, dearer] } }, data: { status: "COMPLETED" } });
    expect(await settleReservation(quiet.prisma, cheaper, 0.0004)).toMatchObject({ type: "FINALIZE", amount: 0.0006, generationId: cheaper });
    expect(await settleReservation(quiet.prisma, cheaper, 0.0004)).toBeNull();
    expect(await credits(user)).toEqual({ balance: 0.0016, reserved: 0.001, available: 0.0006 });
    expect(await settleReservation(quiet.prisma, dearer, 0.005)).toMatchObject({ type: "FINALIZE", amount: -0.0006, generationId: dearer });
    expect(await credits(user)).toEqual({ balance: 0, reserved: 0, available: 0 });
    const finalized = await quiet.prisma.creditTransaction.findMany({ where: { tenantId: tenant.id, type: "FINALIZE" }, orderBy: { createdAt: "asc" } });
    expect(finalized.map((t) => [t.amount.toNumber(), t.metadata])).toEqual([
      [0.0006, { reserved: 0.001, charged: 0.0004, actual_cost: 0.0004 }],
      [-0.0006, { reserved: 0.001, charged: 0.0016, actual_cost: 0.005 }],
    ]);
    await ledger(quiet, tenant.id, user.id);
  });

  it("in tenant mode every member draws on the tenant's one account", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(pooled);
    expectError(await admin.gql(GRANT, { input: { userId: user.id, amount: 1 } }), "BAD_USER_INPUT", /tenant mode/);
    await admin.ok(GRANT, { input: { amount: 0.001 } });
    const other = await tenant.user("second");
    const otherBoard = await createBoard(other);
    const first = await submit(user, boardId);
    expect(first.errors).toBeUndefined();
    expectError(await submit(other, otherBoard), "INSUFFICIENT_CREDITS", /insufficient credits/);
    // The same account, seen by the other member (the first run may have finished by now).
    expect((await credits(other)).available).toBe(0);
    await awaitGeneration(user, first.data!.createGeneration.id);
    await expect.poll(() => credits(admin)).toEqual({ balance: 0, reserved: 0, available: 0 });
    await ledger(pooled, tenant.id, "tenant");
  });
});

describe("grantCredits", () => {
  it("is for tenant admins only, within their tenant, with amounts checked", async () => {
    const { admin, user } = await tenantOf(quiet);
    const stranger = await (await newTenant(quiet)).user("stranger");
    expectError(await user.gql(GRANT, { input: { userId: user.id, amount: 5 } }), "FORBIDDEN");
    expectError(await quiet.gql(GRANT, { input: { userId: user.id, amount: 5 } }, { tenant: user.tenant }), "UNAUTHENTICATED");
    expectError(await admin.gql(GRANT, { input: { userId: stranger.id, amount: 5 } }), "NOT_FOUND");
    expectError(await admin.gql(GRANT, { input: { amount: 5 } }), "BAD_USER_INPUT", /userId is required/);
    for (const amount of [-1, 0, 0.0000001, 2e9]) expectError(await admin.gql(GRANT, { input: { userId: user.id, amount } }), "BAD_USER_INPUT");
    expectError(await admin.gql(GRANT, { input: { userId: user.id, amount: 5, description: "x".repeat(501) } }), "BAD_USER_INPUT");
    expect(await credits(user)).toEqual({ balance: 0, reserved: 0, available: 0 });
  });

  it("corrects with adjust, but never below what generations in flight hold", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 0.003 } });
    expect((await submit(user, boardId)).errors).toBeUndefined();
    expectError(await admin.gql(GRANT, { input: { userId: user.id, amount: -0.0025, adjust: true } }), "BAD_USER_INPUT", /reserved/);
    const adjusted = await admin.ok<{ grantCredits: Figures }>(GRANT, { input: { userId: user.id, amount: -0.002, adjust: true, description: "correction" } });
    expect(adjusted.grantCredits).toEqual({ balance: 0.001, reserved: 0.001, available: 0 });
    await ledger(quiet, tenant.id, user.id);
  });

  it("shows a user's credits to that user and to tenant admins only", async () => {
    const { tenant, admin, user } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 2 } });
    const publicBoard = await createBoard(user, { isPublic: true });
    const peer = await tenant.user("peer");
    const query = `query($id: UUID!) { board(id: $id) { owner { credits { available } } } }`;
    const ownerCredits = async (actor: Actor) => (await actor.ok<{ board: { owner: { credits: { available: number } | null } } }>(query, { id: publicBoard })).board.owner.credits;
    expect(await ownerCredits(user)).toEqual({ available: 2 });
    expect(await ownerCredits(admin)).toEqual({ available: 2 });
    expect(await ownerCredits(peer)).toBeNull();
  });
});

describe("recovery", () => {
  it("settles a reservation whose settlement a crash prevented", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 1 } });
    const failedId = (await submit(user, boardId, "failed")).data!.createGeneration.id;
    const completedId = (await submit(user, boardId, "completed")).data!.createGeneration.id;
    // The process died right after the final transition: status written, reservation still open.
    await quiet.pool.query(`UPDATE generations SET status = 'failed', updated_at = now() - interval '1 hour' WHERE id = $1`, [failedId]);
    await quiet.pool.query(`UPDATE generations SET status = 'completed', updated_at = now() - interval '1 hour' WHERE id = $1`, [completedId]);
    expect(await credits(user)).toEqual({ balance: 1, reserved: 0.002, available: 0.998 });
    const { WorkerLiveness } = await import("../src/jobs/workerLiveness.js");
    const sweep = await new WorkerLiveness({ prisma: quiet.prisma, events: quiet.runtime.events, logger: quiet.runtime.logger }, { heartbeatMs: 1000, deadAfterMs: 1000 }).sweep();
    expect(sweep.settledGenerations.sort()).toEqual([failedId, completedId].sort());
    expect(await credits(user)).toEqual({ balance: 0.999, reserved: 0, available: 0.999 });
    await ledger(quiet, tenant.id, user.id);
  });
});

describe("concurrency", () => {
  it("50 concurrent submissions against a balance covering 10: exactly 10 accepted, and the balance ends at exactly 0", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(worker);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 0.01 } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(user, boardId, `race ${i}`)));
    const accepted = results.filter((r) => r.data?.createGeneration);
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === "INSUFFICIENT_CREDITS");
    expect([accepted.length, refused.length]).toEqual([10, 40]);
    for (const r of accepted) expect((await awaitGeneration(user, r.data!.createGeneration.id, 300)).status).toBe("COMPLETED");
    await expect.poll(() => credits(user)).toEqual({ balance: 0, reserved: 0, available: 0 });
    const rows = await ledger(worker, tenant.id, user.id);
    expect(rows.filter((t) => t.type === "RESERVE")).toHaveLength(10);
    expect(rows.filter((t) => t.type === "FINALIZE")).toHaveLength(10);
  });
});
