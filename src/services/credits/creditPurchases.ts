/**
 * Credits bought through a billing system, behind the setup endpoints
 * (`POST /api/setup/credits/purchase`, `GET /api/setup/credits/{tenant_id}`). Like the tenant
 * services they need a {@link SetupAdmin}, which only the admin-token check hands out.
 *
 * A purchase carries the billing system's idempotency key: the same key (in one tenant) is
 * applied once, whatever the retries and however many arrive at once; a retry gets the original
 * transaction back with `replayed`. A key reused for a different purchase (another amount or
 * account) is refused rather than silently answered with the first one.
 */
import { z } from "zod";
import type { PrismaClient } from "../../db.js";
import { badUserInput, conflict, failedPrecondition, notFound } from "../../errors.js";
import type { EventBus } from "../../events.js";
import type { CreditTransaction } from "../../generated/prisma/client.js";
import { isUuid } from "../../lib/uuid.js";
import { jsonObject, parseInput } from "../../lib/validate.js";
import type { SetupAdmin } from "../tenants.js";
import { accountFigures, changeBalance, creditChangeOf, type CreditFigures, type CreditsMode } from "./creditAccounts.js";
import { creditAmount, creditDecimal } from "./creditService.js";

const PurchaseBody = z
  .object({
    tenant_id: z.string().uuid("must be a valid UUID").optional(),
    tenant_slug: z.string().min(1, "must not be empty").max(255, "must be at most 255 characters").optional(),
    user_id: z.string().uuid("must be a valid UUID").nullish(),
    amount: creditAmount.refine((n) => n > 0, "must be greater than zero"),
    idempotency_key: z.string().min(1, "must not be empty").max(255, "must be at most 255 characters"),
    description: z.string().max(500, "must be at most 500 characters").nullish(),
    metadata: jsonObject.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.tenant_id === undefined) === (body.tenant_slug === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tenant_id"], message: "give exactly one of tenant_id and tenant_slug" });
    }
  });

/** A ledger entry as the purchase endpoint returns it. */
export type PurchaseTransactionView = {
  id: string;
  type: string;
  amount: number;
  balance_after: number;
  created_at: string;
  idempotency_key: string | null;
};

export type PurchaseResult = { transaction: PurchaseTransactionView; credits: CreditFigures; replayed: boolean };

export type AccountView = { tenant_id: string; user_id: string | null; credits: CreditFigures };

const transactionView = (t: CreditTransaction): PurchaseTransactionView => ({
  id: t.id,
  type: t.type.toLowerCase(),
  amount: t.amount.toNumber(),
  balance_after: t.balanceAfter.toNumber(),
  created_at: t.createdAt.toISOString(),
  idempotency_key: t.idempotencyKey,
});

function requireCredits(mode: CreditsMode | undefined): "user" | "tenant" {
  if (mode === "user" || mode === "tenant") return mode;
  throw failedPrecondition("Credits are off: set BOARDS_CREDITS_MODE to user or tenant");
}

/**
 * The holder of the account a request names: the tenant's pool in `tenant` mode (a user id is
 * refused there, so a billing system cannot believe it credited one user), else the user, who
 * must belong to the tenant.
 */
async function holderOf(prisma: PrismaClient, mode: "user" | "tenant", tenantId: string, userId: string | null | undefined, where: "body" | "query"): Promise<string> {
  const field = where === "body" ? "user_id" : `${where}.user_id`;
  if (mode === "tenant") {
    if (userId) throw badUserInput("Invalid input: in tenant mode the tenant has one shared account; leave user_id out", { fieldErrors: [{ field, message: "must be left out in tenant mode (BOARDS_CREDITS_MODE=tenant)" }] });
    return "tenant";
  }
  if (!userId) throw badUserInput("Invalid input: user_id is required in user mode", { fieldErrors: [{ field, message: "is required in user mode (BOARDS_CREDITS_MODE=user)" }] });
  const user = await prisma.user.findFirst({ where: { id: userId, tenantId }, select: { id: true } });
  if (!user) throw notFound(`User with ID ${userId} not found in the tenant`);
  return user.id;
}

/**
 * Credits a purchase to the account of `body.user_id` (user mode) or the tenant (tenant mode),
 * once per idempotency key, telling the account's live subscribers.
 * @throws FAILED_PRECONDITION (credits off); BAD_USER_INPUT with fieldErrors (body); NOT_FOUND
 *   (tenant, or user not in it); CONFLICT (the key was used for a different purchase)
 */
export async function purchaseCredits(
  _admin: SetupAdmin,
  { prisma, events }: { prisma: PrismaClient; events: EventBus },
  mode: CreditsMode | undefined,
  body: unknown,
): Promise<PurchaseResult> {
  const on = requireCredits(mode);
  const input = parseInput(PurchaseBody, body, "body");
  const tenant = input.tenant_id
    ? await prisma.tenant.findUnique({ where: { id: input.tenant_id.toLowerCase() }, select: { id: true } })
    : await prisma.tenant.findUnique({ where: { slug: input.tenant_slug! }, select: { id: true } });
  if (!tenant) throw notFound(input.tenant_id ? `Tenant with ID ${input.tenant_id} not found` : `Tenant with slug '${input.tenant_slug}' not found`);
  const holder = await holderOf(prisma, on, tenant.id, input.user_id?.toLowerCase(), "body");
  const amount = creditDecimal(input.amount);
  const { transaction, replayed } = await changeBalance(prisma, {
    tenantId: tenant.id,
    holder,
    type: "PURCHASE",
    amount,
    actorId: null,
    description: input.description ?? null,
    metadata: input.metadata,
    idempotencyKey: input.idempotency_key,
  });
  if (replayed) {
    // Description and metadata may differ on a retry; what was bought, and for whom, may not.
    const account = await prisma.creditAccount.findUnique({ where: { id: transaction.accountId }, select: { holder: true } });
    if (transaction.type !== "PURCHASE" || account?.holder !== holder || !transaction.amount.equals(amount)) {
      throw conflict(`Idempotency key '${input.idempotency_key}' was already used for a different purchase`);
    }
  } else {
    await events.publishCreditChange(creditChangeOf(transaction, holder));
  }
  return { transaction: transactionView(transaction), credits: await accountFigures(prisma, tenant.id, holder), replayed };
}

/**
 * The figures of the account of `userId` (user mode) or of the tenant (tenant mode).
 * @throws FAILED_PRECONDITION (credits off); BAD_USER_INPUT (user id); NOT_FOUND (tenant, user)
 */
export async function creditAccountOf(_admin: SetupAdmin, prisma: PrismaClient, mode: CreditsMode | undefined, tenantId: string, userId: string | undefined): Promise<AccountView> {
  const on = requireCredits(mode);
  if (userId !== undefined && !isUuid(userId)) throw badUserInput("Invalid input: user_id must be a valid UUID", { fieldErrors: [{ field: "query.user_id", message: "must be a valid UUID" }] });
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
  if (!tenant) throw notFound(`Tenant with ID ${tenantId} not found`);
  const holder = await holderOf(prisma, on, tenant.id, userId?.toLowerCase(), "query");
  return { tenant_id: tenant.id, user_id: on === "user" ? holder : null, credits: await accountFigures(prisma, tenant.id, holder) };
}
