import { getGeneration } from "../../services/generations.js";
import { getUser } from "../../services/users.js";
import type { CreditTransactionResolvers } from "../types.generated.js";

export const CreditTransaction: CreditTransactionResolvers = {
  amount: (row) => row.amount.toNumber(),
  balanceAfter: (row) => row.balanceAfter.toNumber(),
  userId: (row) => row.account.userId,
  // The generation's own rule decides: readable only with its board; null once deleted.
  generation: (row, _, ctx) => (row.generationId ? getGeneration(ctx, row.generationId) : null),
  actor: (row, _, ctx) => (row.actorId ? getUser(ctx, row.actorId) : null),
};
