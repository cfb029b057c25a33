/** An account's figures with its latest transactions: what an operator looks at. */
import type { PrismaClient } from "../../db.js";
import type { CreditTransaction } from "../../generated/prisma/client.js";
import { accountFigures, type CreditFigures } from "./creditAccounts.js";

export type CreditStatement = { credits: CreditFigures; transactions: CreditTransaction[] };

/**
 * The figures of the account `holder` of a tenant and its `limit` latest transactions, newest
 * first (zeros and none when it has never been credited).
 */
export async function creditStatement(prisma: PrismaClient, tenantId: string, holder: string, limit: number): Promise<CreditStatement> {
  const [credits, transactions] = await Promise.all([
    accountFigures(prisma, tenantId, holder),
    prisma.creditTransaction.findMany({
      where: { tenantId, account: { holder } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit,
    }),
  ]);
  return { credits, transactions };
}
