/**
 * Reading the credit ledger. Who sees which transactions:
 * - a user sees the ledger of the account that pays for their generations (`holderFor`; with
 *   credits off, their own account, which may hold entries from when credits were on);
 * - in `tenant` mode that account is the tenant's shared pool, whose ledger shows every member's
 *   spending, so a user sees only the pool's transactions they caused (`actorId`): their
 *   reservations and their settlements (whose actor is the generation's user). Admins' grants
 *   stay with the admins;
 * - tenant admins see every transaction of their tenant, and may narrow it to what one user sees.
 * Nothing of another tenant is ever visible. Lists are newest first, paged by keyset over the
 * (account_id | tenant_id, created_at, id) indexes.
 */
import type { ServiceContext } from "../../context.js";
import { forbidden } from "../../errors.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { CreditTransactionFilter } from "../../graphql/types.generated.js";
import { requireUser } from "../boardAccess.js";
import { filterToWhere, type FieldSpec } from "../pagination/filters.js";
import type { PageArgs } from "../pagination/pageArgs.js";
import { paginate, type Page } from "../pagination/paginate.js";
import { holderFor } from "./creditAccounts.js";
import { LEDGER_ROW, type LedgerRow } from "./ledgerRow.js";

type Where = Prisma.CreditTransactionWhereInput;

const NOTHING: Where = { id: { in: [] } };

/** The holder key of a tenant's shared pool (see `holderFor`). */
const POOL = "tenant";

const FILTER_FIELDS: Record<string, FieldSpec> = {
  id: { column: "id", kind: "equality" },
  type: { column: "type", kind: "equality" },
  generationId: { column: "generationId", kind: "equality", nullable: true },
  createdAt: { column: "createdAt", kind: "dateTime" },
};

/** The account holder whose ledger `userId` sees. */
const holderOf = (ctx: ServiceContext, userId: string) => holderFor(ctx.creditsMode, userId) ?? userId;

/** What `userId` of `tenantId` sees, as a `where` on one account (so the account index serves it). */
async function userLedgerWhere(ctx: ServiceContext, tenantId: string, userId: string): Promise<Where> {
  const holder = holderOf(ctx, userId);
  const account = await ctx.prisma.creditAccount.findUnique({ where: { tenantId_holder: { tenantId, holder } }, select: { id: true } });
  if (!account) return NOTHING;
  const own: Where = { tenantId, accountId: account.id };
  return holder === POOL ? { ...own, actorId: userId } : own;
}

/** Whether the viewer may read this ledger entry: the rule of the connection, for one row. */
function mayRead(ctx: ServiceContext, row: LedgerRow): boolean {
  const user = ctx.viewer.user;
  if (!user || row.tenantId !== user.tenantId) return false;
  if (ctx.viewer.tenantAdmin === true) return true;
  const holder = holderOf(ctx, user.id);
  return row.account.holder === holder && (holder !== POOL || row.actorId === user.id);
}

/** A credit transaction the viewer may read (for `node(id)`), or null. */
export async function getCreditTransaction(ctx: ServiceContext, id: string): Promise<LedgerRow | null> {
  const row = await ctx.loaders.creditTransactionById.load(id);
  return row && mayRead(ctx, row) ? row : null;
}

export type CreditTransactionsArgs = PageArgs & { userId?: string | null; filter?: CreditTransactionFilter | null };

/**
 * `creditTransactionsConnection`: the ledger entries the viewer may read, filtered, newest first.
 * @throws UNAUTHENTICATED (anonymous); FORBIDDEN (`userId` of someone else, not a tenant admin);
 *   BAD_USER_INPUT for invalid pagination or filter arguments.
 */
export async function creditTransactionsConnection(ctx: ServiceContext, args: CreditTransactionsArgs): Promise<Page<LedgerRow>> {
  const user = requireUser(ctx, "Authentication required to read credit transactions");
  const admin = ctx.viewer.tenantAdmin === true;
  const userId = args.userId ?? null;
  if (userId !== null && userId !== user.id && !admin) {
    throw forbidden("Permission denied: only tenant admins read another user's credit transactions");
  }
  const scope: Where = admin && userId === null ? { tenantId: user.tenantId } : await userLedgerWhere(ctx, user.tenantId, userId ?? user.id);
  const where: Where = { AND: [scope, filterToWhere<Where>(args.filter, FILTER_FIELDS)] };
  return paginate<LedgerRow, Where>({
    args,
    where,
    list: "CreditTransaction",
    keys: [{ field: "createdAt", direction: "desc", kind: "date", value: (t) => t.createdAt }],
    findMany: (q) => ctx.prisma.creditTransaction.findMany({ ...q, ...LEDGER_ROW }),
    count: (w) => ctx.prisma.creditTransaction.count({ where: w }),
  });
}
