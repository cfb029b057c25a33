/**
 * The credits of one generation: reserved when it is submitted (in the very statement that
 * inserts it, see insertGeneration.ts), settled once when it ends — finalized at the provider's
 * actual cost when it reported one (else the estimate) on COMPLETED, refunded on FAILED and
 * CANCELLED. Batch siblings and retried attempts carry no reservation of their own: the provider
 * bills one call, so the generation is charged once.
 */
import type { PrismaClient } from "../../db.js";
import type { CreditChange } from "../../events.js";
import { Prisma, type CreditTransactionType } from "../../generated/prisma/client.js";

/**
 * The CTE that reserves `amount` on the holder's account when `onlyIf` holds (the statement's
 * other checks: nothing is reserved for a submission they refuse); the generation insert selects
 * FROM account.
 */
export function reserveCte(tenantId: string, holder: string, amount: number, onlyIf: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    account AS (
      UPDATE credit_accounts SET reserved = reserved + ${amount}::numeric, updated_at = now()
      WHERE tenant_id = ${tenantId}::uuid AND holder = ${holder} AND balance - reserved >= ${amount}::numeric AND ${onlyIf}
      RETURNING id, balance - reserved AS available
    )`;
}

/** The CTE appending the reserve transaction for the generation `inserted` (after {@link reserveCte}). */
export function reserveLedgerCte(tenantId: string, actorId: string, amount: number): Prisma.Sql {
  return Prisma.sql`
    ledger AS (
      INSERT INTO credit_transactions (tenant_id, account_id, type, amount, balance_after, generation_id, actor_id, description)
      SELECT ${tenantId}::uuid, account.id, 'reserve', ${-amount}::numeric, account.available, inserted.id, ${actorId}::uuid,
             'Reserved for ' || inserted.generator_name
      FROM account, inserted
    )`;
}

/**
 * Settles a terminal generation's reservation, once (the reservation is cleared in the same
 * statement, so a second call does nothing): COMPLETED charges `actualCost` when given, else the
 * amount reserved, never more than the account holds; FAILED and CANCELLED refund it. The
 * transaction's actor is the generation's user, whose run it settles. Returns the change made
 * (for the event bus), or null when there was nothing to settle.
 */
export async function settleReservation(
  db: PrismaClient | Prisma.TransactionClient,
  generationId: string,
  actualCost?: number,
): Promise<Omit<CreditChange, "timestamp"> | null> {
  const cost = actualCost !== undefined && Number.isFinite(actualCost) && actualCost >= 0 ? actualCost : null;
  const settled = await db.$queryRaw<Array<{ tenant_id: string; holder: string; type: string; amount: Prisma.Decimal }>>(Prisma.sql`
    WITH held AS (
      SELECT id, tenant_id, user_id, credit_account_id, credits_reserved AS amount, status
      FROM generations
      WHERE id = ${generationId}::uuid AND credits_reserved IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')
      FOR UPDATE
    ), cleared AS (
      UPDATE generations g SET credits_reserved = NULL FROM held WHERE g.id = held.id
      RETURNING held.*
    ), locked AS (
      SELECT a.id, a.balance, a.reserved, cleared.amount AS held, cleared.status, cleared.id AS generation_id, cleared.tenant_id, cleared.user_id,
             CASE WHEN cleared.status = 'completed'
                  THEN LEAST(COALESCE(${cost}::numeric, cleared.amount), a.balance - a.reserved + cleared.amount)
                  ELSE 0 END AS charge
      FROM credit_accounts a JOIN cleared ON a.id = cleared.credit_account_id
      FOR UPDATE OF a
    ), account AS (
      UPDATE credit_accounts a SET balance = locked.balance - locked.charge, reserved = locked.reserved - locked.held, updated_at = now()
      FROM locked WHERE a.id = locked.id
      RETURNING a.id, a.holder, a.balance - a.reserved AS available, locked.held, locked.charge, locked.status, locked.generation_id, locked.tenant_id, locked.user_id
    ), ledger AS (
      INSERT INTO credit_transactions (tenant_id, account_id, type, amount, balance_after, generation_id, actor_id, description, metadata)
      SELECT tenant_id, id,
             CASE WHEN status = 'completed' THEN 'finalize' ELSE 'refund' END::credit_transaction_type,
             held - charge, available, generation_id, user_id,
             CASE WHEN status = 'completed' THEN 'Charged for the completed generation' ELSE 'Refunded: the generation ' || status END,
             jsonb_build_object('reserved', held, 'charged', charge, 'actual_cost', ${cost}::numeric)
      FROM account
      RETURNING type, amount
    )
    SELECT account.tenant_id, account.holder, ledger.type::text AS type, ledger.amount FROM account, ledger`);
  const row = settled[0];
  if (!row) return null;
  return { tenantId: row.tenant_id, holder: row.holder, type: row.type.toUpperCase() as CreditTransactionType, amount: row.amount.toNumber(), generationId };
}
