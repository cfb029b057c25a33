/**
 * `boards credits grant|show` run as real processes (the package's bin) against this suite's own
 * database and a real API in user mode: a grant the user sees through GraphQL, a correction, a
 * user named by e-mail address, the tenant's pool in tenant mode, the ledger's latest
 * transactions, and the exit statuses (1 failure, 2 usage).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { suiteDatabase } from "./helpers/faultHarness.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { runNode, type Run } from "./helpers/runNode.js";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const bin = join(projectRoot, "bin", "boards.js");

type Figures = { balance: number; reserved: number; available: number };
type Shown = {
  tenant_id: string;
  user_id: string | null;
  credits: Figures;
  transactions: Array<{ type: string; amount: number; balance_after: number; description: string | null; actor_id: string | null }>;
};

let database: ThrowawayDatabase;
let api: TestServer;
let tenant: TenantHandle;
let user: Actor;

/** The configuration of the processes: this suite's database and the credits mode. */
function processEnv(mode: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("BOARDS_") && !["DATABASE_URL", "REDIS_URL", "NODE_OPTIONS"].includes(key)),
  );
  return { ...inherited, BOARDS_ENVIRONMENT: "test", BOARDS_DATABASE_URL: database.url, BOARDS_LOG_LEVEL: "warn", BOARDS_CREDITS_MODE: mode };
}

function boardsIn(mode: string, ...args: string[]): Promise<Run> {
  return runNode([bin, ...args], projectRoot, processEnv(mode));
}

const boards = (...args: string[]) => boardsIn("user", ...args);

function json<T>(result: Run): T {
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout) as T;
}

const myCredits = async (actor: Actor) => (await actor.ok<{ me: { credits: Figures } }>("{ me { credits { balance reserved available } } }")).me.credits;

beforeAll(async () => {
  database = await suiteDatabase("cli_credits");
  api = await startServer({ BOARDS_DATABASE_URL: database.url, BOARDS_CREDITS_MODE: "user" });
  tenant = await newTenant(api);
  user = await tenant.user("buyer");
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

describe("boards credits", () => {
  it("grants to a user by id or e-mail address, corrects with --adjust, and shows the figures with the latest transactions", { timeout: 120_000 }, async () => {
    const granted = await boards("credits", "grant", "--tenant", tenant.slug, "--user", user.id, "--amount", "5", "--description", "welcome");
    expect(granted, granted.stderr).toMatchObject({ code: 0, stdout: `Granted 5 credits to user ${user.email} (${user.id}) of ${tenant.slug}: balance 5, reserved 0, available 5\n` });
    expect(await myCredits(user)).toEqual({ balance: 5, reserved: 0, available: 5 });

    const adjusted = json<{ user_id: string; credits: Figures }>(
      await boards("credits", "grant", "--tenant", tenant.slug, "--user", user.email.toUpperCase(), "--amount=-1.5", "--adjust", "--json"),
    );
    expect(adjusted).toEqual({ tenant_id: tenant.id, tenant_slug: tenant.slug, user_id: user.id, credits: { balance: 3.5, reserved: 0, available: 3.5 } });
    expect(await myCredits(user)).toEqual({ balance: 3.5, reserved: 0, available: 3.5 });

    const shown = json<Shown>(await boards("credits", "show", "--tenant", tenant.slug, "--user", user.email, "--json"));
    expect(shown).toMatchObject({ tenant_id: tenant.id, user_id: user.id, credits: { balance: 3.5, reserved: 0, available: 3.5 } });
    expect(shown.transactions.map((t) => [t.type, t.amount, t.balance_after, t.description, t.actor_id])).toEqual([
      ["adjust", -1.5, 3.5, null, null],
      ["grant", 5, 5, "welcome", null],
    ]);
    const limited = json<Shown>(await boards("credits", "show", "--tenant", tenant.slug, "--user", user.id, "--limit", "1", "--json"));
    expect(limited.transactions.map((t) => t.type)).toEqual(["adjust"]);

    const table = await boards("credits", "show", "--tenant", tenant.slug, "--user", user.id);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toBe(`Credits of user ${user.email} (${user.id}) of ${tenant.slug}: balance 3.5, reserved 0, available 3.5`);
    expect(lines[1]).toMatch(/^CREATED\s+TYPE\s+AMOUNT\s+AFTER\s+GENERATION\s+DESCRIPTION$/);
    expect(lines[2]).toMatch(/\sadjust\s+-1\.5\s+3\.5\s*$/);
    expect(lines[3]).toMatch(/\sgrant\s+5\s+5\s+welcome$/);
  });

  it("grants to the tenant's pool in tenant mode, which every member sees", { timeout: 120_000 }, async () => {
    const pooled = await newTenant(api);
    const member = await pooled.user("member");
    const granted = await boardsIn("tenant", "credits", "grant", "--tenant", pooled.slug, "--amount", "2.25");
    expect(granted, granted.stderr).toMatchObject({ code: 0, stdout: `Granted 2.25 credits to tenant ${pooled.slug}: balance 2.25, reserved 0, available 2.25\n` });
    const shown = json<Shown>(await boardsIn("tenant", "credits", "show", "--tenant", pooled.slug, "--json"));
    expect(shown).toMatchObject({ user_id: null, credits: { balance: 2.25 }, transactions: [{ type: "grant", amount: 2.25 }] });
    const holder = await api.prisma.creditAccount.findUniqueOrThrow({ where: { tenantId_holder: { tenantId: pooled.id, holder: "tenant" } } });
    expect(holder.balance.toNumber()).toBe(2.25);
    // The API here runs in user mode; the member's own account is untouched.
    expect(await myCredits(member)).toEqual({ balance: 0, reserved: 0, available: 0 });
    expect(await boardsIn("tenant", "credits", "show", "--tenant", pooled.slug, "--user", member.id)).toMatchObject({ code: 2, stderr: expect.stringContaining("--user must be left out in tenant mode") });
  });

  it("exits 2 on bad amounts or a missing --user, 1 on an unknown tenant or user and while credits are off; nothing is written", { timeout: 120_000 }, async () => {
    const other = await (await newTenant(api)).user("stranger");
    const before = await api.prisma.creditTransaction.count();
    const grant = (...args: string[]) => boards("credits", "grant", "--tenant", tenant.slug, ...args);
    // Each run starts Node on the TypeScript sources: few enough runs to stay quick on a busy machine.
    const [notNumber, negative, decimals, noUser, noTenant, noSuchUser, foreign, off] = await Promise.all([
      grant("--user", user.id, "--amount", "five"),
      grant("--user", user.id, "--amount=-1"),
      grant("--user", user.id, "--amount", "0.0000001"),
      grant("--amount", "1"),
      boards("credits", "grant", "--tenant", "no-such-tenant", "--user", user.id, "--amount", "1"),
      grant("--user", "nobody@example.com", "--amount", "1"),
      grant("--user", other.id, "--amount", "1"),
      boardsIn("off", "credits", "show", "--tenant", tenant.slug, "--user", user.id),
    ]);
    expect(notNumber).toMatchObject({ code: 2, stderr: "boards: --amount must be a number, got 'five'\n" });
    expect(negative).toMatchObject({ code: 2, stderr: "boards: --amount must be positive\n" });
    expect(decimals).toMatchObject({ code: 2, stderr: "boards: --amount has more than six decimals\n" });
    expect(noUser).toMatchObject({ code: 2, stderr: "boards: --user is required in user mode (BOARDS_CREDITS_MODE=user)\n" });
    expect(noTenant).toMatchObject({ code: 1, stderr: "boards: no tenant with slug 'no-such-tenant'\n" });
    expect(noSuchUser).toMatchObject({ code: 1, stderr: `boards: no user 'nobody@example.com' in tenant ${tenant.slug}\n` });
    expect(foreign).toMatchObject({ code: 1, stderr: `boards: no user '${other.id}' in tenant ${tenant.slug}\n` });
    expect(off).toMatchObject({ code: 1, stderr: "boards: credits are off: set BOARDS_CREDITS_MODE to user or tenant\n" });
    expect(await api.prisma.creditTransaction.count()).toBe(before);
  });
});
