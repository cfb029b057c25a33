/**
 * Live credits over GraphQL subscriptions (`creditUpdates`, over WebSocket): the figures at
 * subscription, then an event per change of the account — a grant, a submission's reservation,
 * its settlement, a cancellation's refund, a billing system's purchase — each with the figures
 * after it; only the subscriber's own account (or, in tenant mode, the shared one); another
 * user's account for tenant admins only. Through Redis when the run has one, as in production.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, uniqueSlug, type Actor, type TenantHandle } from "./helpers/actors.js";
import { startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import { openRawSocket, type ProtocolMessage, type RawGraphQLSocket } from "./helpers/rawWebSocket.js";
import { needsRedis } from "./helpers/runRedis.js";
import type { TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";

const PRICED = fileURLToPath(new URL("./fixtures/generators/priced-builtins.yaml", import.meta.url));
const ADMIN_TOKEN = `admin-${uniqueSlug("token")}-0123456789`;
const UPDATES = `subscription($userId: UUID) { creditUpdates(userId: $userId) { credits { balance reserved available } type amount generationId timestamp } }`;
const GRANT = `mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { available } }`;

type Figures = { balance: number; reserved: number; available: number };
type Update = { credits: Figures; type: string | null; amount: number | null; generationId: string | null; timestamp: string };

const redis = needsRedis("credits");
let worker: TestServer;
let quiet: TestServer;
let pooled: TestServer;
let off: TestServer;
const sockets: RawGraphQLSocket[] = [];

beforeAll(async () => {
  const bus: Record<string, string> = redis.url ? { BOARDS_REDIS_URL: redis.url } : {};
  const env = { BOARDS_GENERATORS_CONFIG_PATH: PRICED, BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, ...bus };
  [worker, quiet, pooled, off] = await Promise.all([
    startIsolatedServer({ ...env, BOARDS_CREDITS_MODE: "user" }, { worker: true }),
    startIsolatedServer({ ...env, BOARDS_CREDITS_MODE: "user" }),
    startIsolatedServer({ ...env, BOARDS_CREDITS_MODE: "tenant" }, { worker: true }),
    startIsolatedServer(env),
  ]);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await Promise.all([worker?.close(), quiet?.close(), pooled?.close(), off?.close()]);
});

/** A tenant with an admin (roles claim) and two members, the first with a board. */
async function tenantOf(server: TestServer): Promise<{ tenant: TenantHandle; admin: Actor; user: Actor; other: Actor; boardId: string }> {
  const tenant = await newTenant(server);
  const admin = await tenant.user("admin", { roles: ["admin"] });
  const user = await tenant.user("maker");
  const other = await tenant.user("other");
  return { tenant, admin, user, other, boardId: await createBoard(user) };
}

/** `actor`'s credits stream on a socket of its own. */
async function follow(server: TestServer, actor: Actor, userId?: string) {
  const socket = await openRawSocket(server);
  sockets.push(socket);
  await socket.init({ Authorization: `Bearer ${actor.token}`, "X-Tenant": actor.tenant });
  socket.subscribe("credits", UPDATES, userId ? { userId } : {});
  return {
    /** The next update (fails on an error message). */
    async next(): Promise<Update> {
      const message: ProtocolMessage = await socket.take("credits");
      expect(message.type, JSON.stringify(message)).toBe("next");
      const payload = message.payload as { data?: { creditUpdates: Update }; errors?: unknown };
      expect(payload.errors, JSON.stringify(payload)).toBeUndefined();
      return payload.data!.creditUpdates;
    },
    /** The code of the refusal this subscription got (a result with errors, as for the other subscriptions). */
    refusal: () => refusalOf(socket),
    socket,
  };
}

/** The error code a refused subscription got: an `error` message, or a result with errors then `complete`. */
async function refusalOf(socket: RawGraphQLSocket): Promise<unknown> {
  const message = await socket.take("credits");
  const errors = (message.type === "error" ? message.payload : (message.payload as { errors?: unknown }).errors) as Array<{ extensions?: { code?: string } }> | undefined;
  expect(errors?.length, JSON.stringify(message)).toBeGreaterThan(0);
  if (message.type === "next") expect((await socket.take("credits")).type).toBe("complete");
  return errors![0]!.extensions?.code;
}

/** The change an update reports, without the figures (which depend on when it was read). */
const changeOf = (u: Update) => ({ type: u.type, amount: u.amount, generationId: u.generationId });

describe("creditUpdates", () => {
  it("gives the figures now, then a grant, a submission's reservation and its finalization, each with the figures after it", async () => {
    const { admin, user, other, boardId } = await tenantOf(worker);
    const live = await follow(worker, user);
    expect(await live.next()).toMatchObject({ credits: { balance: 0, reserved: 0, available: 0 }, type: null, amount: null, generationId: null });

    // Another user's account changes: nothing arrives on this stream.
    await admin.ok(GRANT, { input: { userId: other.id, amount: 1 } });
    await admin.ok(GRANT, { input: { userId: user.id, amount: 0.005, description: "welcome" } });
    const granted = await live.next();
    expect(granted).toMatchObject({ credits: { balance: 0.005, reserved: 0, available: 0.005 }, type: "GRANT", amount: 0.005, generationId: null });
    expect(Number.isNaN(Date.parse(granted.timestamp))).toBe(false);

    const generation = await submitGeneration(user, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "a fox", width: 16, height: 16 } });
    const changes = [await live.next(), await live.next()];
    expect(changes.map(changeOf)).toEqual([
      { type: "RESERVE", amount: -0.001, generationId: generation.id },
      { type: "FINALIZE", amount: 0, generationId: generation.id },
    ]);
    expect(changes[1]!.credits).toEqual({ balance: 0.004, reserved: 0, available: 0.004 });
  });

  it("reports a cancellation's refund, and a billing system's purchase", async () => {
    const { tenant, admin, user, boardId } = await tenantOf(quiet);
    await admin.ok(GRANT, { input: { userId: user.id, amount: 0.01 } });
    const live = await follow(quiet, user);
    expect((await live.next()).credits).toEqual({ balance: 0.01, reserved: 0, available: 0.01 });

    const generation = await submitGeneration(user, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "a fox", num_images: 3 } });
    expect(await live.next()).toMatchObject({ credits: { balance: 0.01, reserved: 0.003, available: 0.007 }, type: "RESERVE", amount: -0.003 });
    await user.ok(`mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`, { id: generation.id });
    expect(await live.next()).toMatchObject({ credits: { balance: 0.01, reserved: 0, available: 0.01 }, type: "REFUND", amount: 0.003, generationId: generation.id });

    const bought = await quiet.fetch("/api/setup/credits/purchase", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ tenant_id: tenant.id, user_id: user.id, amount: 2.5, idempotency_key: uniqueSlug("order") }),
    });
    expect(bought.status).toBe(201);
    expect(await live.next()).toMatchObject({ credits: { balance: 2.51, reserved: 0, available: 2.51 }, type: "PURCHASE", amount: 2.5, generationId: null });
  });

  it("in tenant mode, every member follows the shared account", async () => {
    const { admin, user, other, boardId } = await tenantOf(pooled);
    const watching = await follow(pooled, other);
    expect((await watching.next()).credits).toEqual({ balance: 0, reserved: 0, available: 0 });
    await admin.ok(GRANT, { input: { amount: 0.002 } });
    expect(await watching.next()).toMatchObject({ credits: { balance: 0.002, reserved: 0, available: 0.002 }, type: "GRANT", amount: 0.002 });
    // Another member's run draws on the same account.
    const generation = await submitGeneration(user, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "a fox", width: 16, height: 16 } });
    const changes = [await watching.next(), await watching.next()];
    expect(changes.map(changeOf)).toEqual([
      { type: "RESERVE", amount: -0.001, generationId: generation.id },
      { type: "FINALIZE", amount: 0, generationId: generation.id },
    ]);
    expect(changes[1]!.credits).toEqual({ balance: 0.001, reserved: 0, available: 0.001 });
  });

  it("lets a tenant admin follow a member's account, and nobody else another's", async () => {
    const { admin, user, other } = await tenantOf(quiet);
    const watched = await follow(quiet, admin, user.id);
    expect((await watched.next()).credits).toEqual({ balance: 0, reserved: 0, available: 0 });
    await admin.ok(GRANT, { input: { userId: user.id, amount: 0.25 } });
    expect(await watched.next()).toMatchObject({ credits: { available: 0.25 }, type: "GRANT", amount: 0.25 });

    // Following yourself by id is allowed; someone else's is not.
    const self = await follow(quiet, user, user.id);
    expect((await self.next()).credits.available).toBe(0.25);
    expect(await (await follow(quiet, other, user.id)).refusal()).toBe("FORBIDDEN");
    // A user of another tenant does not exist here, even for an admin.
    const stranger = await (await newTenant(quiet)).user("stranger");
    expect(await (await follow(quiet, admin, stranger.id)).refusal()).toBe("NOT_FOUND");
  });

  it("is refused to anonymous callers and when credits are off", async () => {
    const { user } = await tenantOf(off);
    expect(await (await follow(off, user)).refusal()).toBe("FAILED_PRECONDITION");

    const { tenant } = await tenantOf(quiet);
    const anonymous = await openRawSocket(quiet);
    sockets.push(anonymous);
    await anonymous.init({ "X-Tenant": tenant.slug });
    anonymous.subscribe("credits", UPDATES, {});
    expect(await refusalOf(anonymous)).toBe("UNAUTHENTICATED");
  });
});
