/**
 * Credit accounts and their append-only ledger. An account belongs to a user (`holder` = the
 * user id) or, in `tenant` mode, to the whole tenant (`holder` = "tenant"). It holds `balance`
 * (everything granted, bought or adjusted, minus finalized costs) of which `reserved` is held for
 * generations in flight; `available` = balance − reserved is what a new generation may reserve.
 *
 * Every change is one SQL statement that updates the account row (its lock serializes
 * concurrent changes) and appends the transaction with the available credits after it, so the
 * amounts of an account's transactions always sum to its available credits. Every update that
 * lowers what is available is guarded in its WHERE clause (balance − reserved stays ≥ 0), so no
 * interleaving overdraws an account. (A CHECK constraint would say the same, but Prisma's
 * migration diff cannot read CHECK constraints.)
 */
import type { PrismaClient } from "../../db.js";
import type { CreditChange } from "../../events.js";
import { Prisma, type CreditTransaction, type CreditTransactionType } from "../../generated/prisma/client.js";

/** Whose account pays: nobody's (`off`), each user's own, or the tenant's shared pool. */
export type CreditsMode = "off" | "user" | "tenant";

/** An account's figures, in credits (USD of estimated cost). */
export type CreditFigures = { balance: number; reserved: number; available: number };

/** The holder key of the account that pays for `userId`'s generations; null when credits are off. */
export function holderFor(mode: CreditsMode | undefined, userId: string): string | null {
  if (mode === "user") return userId;
  if (mode === "tenant") return "tenant";
  return null;
}

/** The figures of an account (zeros when it does not exist yet). */
export async function accountFigures(db: PrismaClient | Prisma.TransactionClient, tenantId: string, holder: string): Promise<CreditFigures> {
  const account = await db.creditAccount.findUnique({ where: { tenantId_holder: { tenantId, holder } }, select: { balance: true, reserved: true } });
  if (!account) return { balance: 0, reserved: 0, available: 0 };
  return { balance: account.balance.toNumber(), reserved: account.reserved.toNumber(), available: account.balance.minus(account.reserved).toNumber() };
}

/** A change of an account's balance made by someone: an admin's grant or adjustment, a purchase. */
export type BalanceChange = {
  tenantId: string;
  holder: string;
  type: Extract<CreditTransactionType, "GRANT" | "ADJUST" | "PURCHASE">;
  /** Signed; only an adjustment may be negative. */
  amount: Prisma.Decimal;
  actorId: string | null;
  description: string | null;
  metadata?: Record<string, unknown>;
  /** A billing system's key: a purchase with a key already applied is not applied again. */
  idempotencyKey?: string;
};

/** The account would go below what it holds for generations in flight. */
export class WouldOverdraw extends Error {}

/**
 * Applies a grant, adjustment or purchase: creates the account if needed, changes its balance and
 * appends the transaction, in one statement. With an idempotency key already used in the tenant,
 * nothing changes and the original transaction is returned with `replayed`.
 * @throws WouldOverdraw when a negative adjustment would take the balance below the reserved credits
 *   (or the account has none)
 */
export async function changeBalance(db: PrismaClient, change: BalanceChange): Promise<{ transaction: CreditTransaction; replayed: boolean }> {
  if (change.idempotencyKey) {
    const earlier = await db.creditTransaction.findUnique({ where: { tenantId_idempotencyKey: { tenantId: change.tenantId, idempotencyKey: change.idempotencyKey } } });
    if (earlier) return { transaction: earlier, replayed: true };
  }
  const userId = change.holder === "tenant" ? null : change.holder;
  const lowers = change.amount.isNegative();
  // A decrease only touches an existing account, and only while it keeps enough for what is
  // reserved; an increase creates the account when it has none yet.
  const apply = () =>
    db.$queryRaw<Array<{ id: string }>>(Prisma.sql`
      WITH existing AS (
        UPDATE credit_accounts SET balance = balance + ${change.amount}::numeric, updated_at = now()
        WHERE tenant_id = ${change.tenantId}::uuid AND holder = ${change.holder}
          AND balance + ${change.amount}::numeric >= reserved
        RETURNING id, balance - reserved AS available
      ), created AS (
        INSERT INTO credit_accounts (tenant_id, holder, user_id, balance, updated_at)
        SELECT ${change.tenantId}::uuid, ${change.holder}, ${userId}::uuid, ${change.amount}::numeric, now()
        WHERE NOT ${lowers} AND NOT EXISTS (SELECT 1 FROM existing)
        ON CONFLICT (tenant_id, holder) DO NOTHING
        RETURNING id, balance - reserved AS available
      ), account AS (SELECT * FROM existing UNION ALL SELECT * FROM created)
      INSERT INTO credit_transactions (tenant_id, account_id, type, amount, balance_after, actor_id, description, metadata, idempotency_key)
      SELECT ${change.tenantId}::uuid, account.id, ${change.type.toLowerCase()}::credit_transaction_type, ${change.amount}::numeric,
             account.available, ${change.actorId}::uuid, ${change.description}, ${JSON.stringify(change.metadata ?? {})}::jsonb,
             ${change.idempotencyKey ?? null}
      FROM account
      RETURNING id`);
  try {
    const rows = await apply();
    // No row for a decrease: the account lacks the credits. For an increase: another request
    // created the account at this very moment, so it exists now.
    if (!rows.length && lowers) throw new WouldOverdraw("The account would hold less than its reserved credits");
    const [row] = rows.length ? rows : await apply();
    if (!row) throw new Error("credit account could not be created");
    return { transaction: await db.creditTransaction.findUniqueOrThrow({ where: { id: row.id } }), replayed: false };
  } catch (error) {
    if (error instanceof WouldOverdraw) throw error;
    const text = String((error as Error).message);
    // Two requests with one key at once: the loser returns the winner's transaction.
    if (change.idempotencyKey && text.includes("idempotency_key")) {
      const earlier = await db.creditTransaction.findUnique({ where: { tenantId_idempotencyKey: { tenantId: change.tenantId, idempotencyKey: change.idempotencyKey } } });
      if (earlier) return { transaction: earlier, replayed: true };
    }
    throw error;
  }
}

/** A ledger entry of `holder`'s account as the change the event bus carries. */
export function creditChangeOf(transaction: CreditTransaction, holder: string): Omit<CreditChange, "timestamp"> {
  return { tenantId: transaction.tenantId, holder, type: transaction.type, amount: transaction.amount.toNumber(), generationId: transaction.generationId };
}
