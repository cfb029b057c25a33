/**
 * `boards credits grant|show`: an operator's grants and corrections (the service behind the
 * `grantCredits` mutation, without an acting user) and an account's figures with its latest
 * transactions, on the database directly. The account is the user's (`--user`, an id or an
 * e-mail address) in `BOARDS_CREDITS_MODE=user`, the tenant's pool in `tenant` mode.
 */
import { GraphQLError } from "graphql";
import type { FieldError } from "../../errors.js";
import type { CreditTransaction } from "../../generated/prisma/client.js";
import { isUuid } from "../../lib/uuid.js";
import type { CreditFigures } from "../../services/credits/creditAccounts.js";
import { grantToAccount } from "../../services/credits/creditService.js";
import { creditStatement } from "../../services/credits/creditStatement.js";
import { CliError, usageError } from "../CliError.js";
import { openDatabase, type CliDatabase } from "../cliContext.js";
import { printJson, printTable, shorten } from "../output.js";

type AccountOptions = { tenant: string; user?: string; json?: boolean };

/** The CLI's names for the service's fields. */
const OPTION_OF_FIELD: Record<string, string> = { userId: "--user", amount: "--amount", description: "--description", input: "--amount" };

type Account = { tenantId: string; slug: string; userId: string | null; label: string };

/** The tenant by slug and, in user mode, the user by id or e-mail address. */
async function accountOf(db: CliDatabase, options: AccountOptions): Promise<Account> {
  const mode = db.env.creditsMode;
  if (mode === "off") throw new CliError("credits are off: set BOARDS_CREDITS_MODE to user or tenant");
  const tenant = await db.prisma.tenant.findUnique({ where: { slug: options.tenant }, select: { id: true, slug: true } });
  if (!tenant) throw new CliError(`no tenant with slug '${options.tenant}'`);
  if (mode === "tenant") {
    if (options.user !== undefined) throw usageError("--user must be left out in tenant mode: the tenant has one shared account");
    return { tenantId: tenant.id, slug: tenant.slug, userId: null, label: `tenant ${tenant.slug}` };
  }
  if (options.user === undefined) throw usageError("--user is required in user mode (BOARDS_CREDITS_MODE=user)");
  const where = isUuid(options.user) ? { id: options.user.toLowerCase() } : { email: { equals: options.user, mode: "insensitive" as const } };
  const users = await db.prisma.user.findMany({ where: { tenantId: tenant.id, ...where }, select: { id: true, email: true }, take: 2 });
  if (users.length === 0) throw new CliError(`no user '${options.user}' in tenant ${tenant.slug}`);
  if (users.length > 1) throw usageError(`more than one user of tenant ${tenant.slug} has the e-mail address '${options.user}': give the user id`);
  const user = users[0]!;
  return { tenantId: tenant.id, slug: tenant.slug, userId: user.id, label: `user ${user.email ? `${user.email} (${user.id})` : user.id} of ${tenant.slug}` };
}

const figuresLine = (c: CreditFigures) => `balance ${c.balance}, reserved ${c.reserved}, available ${c.available}`;

/** Grants credits (or, with `--adjust`, corrects them; may be negative) and prints the figures. */
export async function creditsGrant(options: AccountOptions & { amount: string; description?: string; adjust?: boolean }): Promise<void> {
  const amount = Number(options.amount);
  if (options.amount.trim() === "" || !Number.isFinite(amount)) throw usageError(`--amount must be a number, got '${options.amount}'`);
  const db = await openDatabase();
  try {
    const account = await accountOf(db, options);
    const args = { userId: account.userId, amount, description: options.description ?? null, adjust: options.adjust === true };
    const credits = await grantToAccount(db, db.env.creditsMode, account.tenantId, args, null).catch((error: unknown) => {
      if (error instanceof GraphQLError && error.extensions.code === "BAD_USER_INPUT") {
        const fieldErrors = (error.extensions.fieldErrors ?? []) as FieldError[];
        throw usageError(fieldErrors.length ? fieldErrors.map((e) => `${OPTION_OF_FIELD[e.field] ?? e.field} ${e.message}`).join("; ") : error.message);
      }
      if (error instanceof GraphQLError) throw new CliError(error.message);
      throw error;
    });
    if (options.json) printJson({ tenant_id: account.tenantId, tenant_slug: account.slug, user_id: account.userId, credits });
    else process.stdout.write(`${options.adjust ? "Adjusted" : "Granted"} ${amount} credits to ${account.label}: ${figuresLine(credits)}\n`);
  } finally {
    await db.close();
  }
}

const columns = [
  { header: "created", value: (t: CreditTransaction) => t.createdAt.toISOString() },
  { header: "type", value: (t: CreditTransaction) => t.type.toLowerCase() },
  { header: "amount", value: (t: CreditTransaction) => t.amount.toString() },
  { header: "after", value: (t: CreditTransaction) => t.balanceAfter.toString() },
  { header: "generation", value: (t: CreditTransaction) => t.generationId ?? "" },
  { header: "description", value: (t: CreditTransaction) => shorten(t.description ?? t.idempotencyKey ?? "", 60) },
];

/** Prints an account's figures and its latest transactions, newest first. */
export async function creditsShow(options: AccountOptions & { limit: number }): Promise<void> {
  const db = await openDatabase();
  try {
    const account = await accountOf(db, options);
    const { credits, transactions } = await creditStatement(db.prisma, account.tenantId, account.userId ?? "tenant", options.limit);
    if (options.json) {
      printJson({
        tenant_id: account.tenantId,
        tenant_slug: account.slug,
        user_id: account.userId,
        credits,
        transactions: transactions.map((t) => ({
          id: t.id,
          type: t.type.toLowerCase(),
          amount: t.amount.toNumber(),
          balance_after: t.balanceAfter.toNumber(),
          generation_id: t.generationId,
          actor_id: t.actorId,
          description: t.description,
          idempotency_key: t.idempotencyKey,
          created_at: t.createdAt.toISOString(),
        })),
      });
      return;
    }
    process.stdout.write(`Credits of ${account.label}: ${figuresLine(credits)}\n`);
    printTable(transactions, columns, "No transactions.");
  } finally {
    await db.close();
  }
}
