/**
 * The shape in which ledger entries are read for the API: the transaction with the holder and
 * user of its account, which visibility and `CreditTransaction.userId` need. Kept apart from the
 * services so the request loaders can select it without importing them.
 */
import type { Prisma } from "../../generated/prisma/client.js";

/** Prisma arguments selecting a {@link LedgerRow}. */
export const LEDGER_ROW = {
  include: { account: { select: { holder: true, userId: true } } },
} satisfies Prisma.CreditTransactionDefaultArgs;

/** A credit transaction with its account's holder (a user id or "tenant") and user. */
export type LedgerRow = Prisma.CreditTransactionGetPayload<typeof LEDGER_ROW>;
