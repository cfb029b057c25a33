/**
 * Credits through the API: a user's figures (to the user and tenant admins) and an admin's
 * grants and corrections (the command line's too); the amount rules purchases share.
 */
import { z } from "zod";
import type { ServiceContext } from "../../context.js";
import type { PrismaClient } from "../../db.js";
import { badUserInput, failedPrecondition, forbidden, notFound } from "../../errors.js";
import { Prisma } from "../../generated/prisma/client.js";
import { parseInput } from "../../lib/validate.js";
import { requireUser } from "../boardAccess.js";
import type { EventBus } from "../../events.js";
import { accountFigures, changeBalance, creditChangeOf, holderFor, WouldOverdraw, type CreditFigures, type CreditsMode } from "./creditAccounts.js";

/** The largest single grant, correction or purchase; far above any real top-up, far below overflow. */
export const MAX_CREDIT_AMOUNT = 1_000_000_000;

/**
 * An amount of credits as the ledger can hold it exactly: finite, at most
 * {@link MAX_CREDIT_AMOUNT} in size, at most six decimals (the columns' scale). The sign is the
 * caller's rule.
 */
export const creditAmount = z
  .number()
  .finite()
  .refine((n) => Math.abs(n) <= MAX_CREDIT_AMOUNT, `must be at most ${MAX_CREDIT_AMOUNT} in size`)
  .refine((n) => Number.isInteger(Math.round(n * 1e6)) && Math.abs(n * 1e6 - Math.round(n * 1e6)) < 1e-6, "has more than six decimals");

/** A validated amount as the ledger's decimal (six places, so no binary fraction leaks in). */
export const creditDecimal = (amount: number) => new Prisma.Decimal(amount.toFixed(6));

const GrantSchema = z.object({
  userId: z.string().uuid().nullish(),
  amount: creditAmount.refine((n) => n !== 0, "must not be zero"),
  description: z.string().max(500).nullish(),
  adjust: z.boolean().nullish(),
});

/**
 * The credits paying for `user`'s generations, or null when the caller is neither that user nor
 * an admin of the tenant.
 */
export async function creditsOfUser(ctx: ServiceContext, user: { id: string; tenantId: string }): Promise<CreditFigures | null> {
  const viewer = ctx.viewer;
  const mayRead = viewer.tenantId === user.tenantId && (viewer.user?.id === user.id || viewer.tenantAdmin === true);
  if (!mayRead) return null;
  return accountFigures(ctx.prisma, user.tenantId, holderFor(ctx.creditsMode, user.id) ?? user.id);
}

export type GrantCreditsArgs = { userId?: string | null; amount: number; description?: string | null; adjust?: boolean | null };

/**
 * Grants credits to an account of the caller's tenant (a user's in `user` mode, the tenant's in
 * `tenant` mode), or corrects it (`adjust`, which may be negative); returns the account's figures.
 * @throws UNAUTHENTICATED; FORBIDDEN (not a tenant admin); FAILED_PRECONDITION (credits off);
 *   BAD_USER_INPUT (amount, or a user id where the tenant has one account); NOT_FOUND (user)
 */
export async function grantCredits(ctx: ServiceContext, args: GrantCreditsArgs): Promise<CreditFigures> {
  const caller = requireUser(ctx, "Authentication required to grant credits");
  if (!ctx.viewer.tenantAdmin) throw forbidden("Permission denied: only tenant admins grant credits");
  return grantToAccount(ctx, ctx.creditsMode, caller.tenantId, args, caller.id);
}

/**
 * A grant or correction already authorized (a tenant admin's, or an operator's through the
 * command line, `actorId` null): validates it, applies it to the tenant's account that pays for
 * `args.userId`, tells the account's live subscribers and returns the account's figures.
 * @throws FAILED_PRECONDITION (credits off); BAD_USER_INPUT (amount, user id); NOT_FOUND (user)
 */
export async function grantToAccount(
  { prisma, events }: { prisma: PrismaClient; events: EventBus },
  mode: CreditsMode | undefined,
  tenantId: string,
  args: GrantCreditsArgs,
  actorId: string | null,
): Promise<CreditFigures> {
  if ((mode ?? "off") === "off") throw failedPrecondition("Credits are off: set BOARDS_CREDITS_MODE to user or tenant");
  const input = parseInput(GrantSchema, args, "input");
  const adjust = input.adjust === true;
  if (!adjust && input.amount < 0) throw badUserInput("Invalid input: a grant must be positive (use adjust for a correction)", { argument: "input", fieldErrors: [{ field: "amount", message: "must be positive" }] });
  let holder: string;
  if (mode === "tenant") {
    if (input.userId) throw badUserInput("Invalid input: in tenant mode the tenant has one shared account; leave userId out", { argument: "input", fieldErrors: [{ field: "userId", message: "must be left out in tenant mode" }] });
    holder = "tenant";
  } else {
    if (!input.userId) throw badUserInput("Invalid input: userId is required in user mode", { argument: "input", fieldErrors: [{ field: "userId", message: "is required" }] });
    const target = await prisma.user.findFirst({ where: { id: input.userId, tenantId }, select: { id: true } });
    if (!target) throw notFound("User not found");
    holder = target.id;
  }
  let change;
  try {
    change = await changeBalance(prisma, {
      tenantId,
      holder,
      type: adjust ? "ADJUST" : "GRANT",
      amount: creditDecimal(input.amount),
      actorId,
      description: input.description ?? null,
    });
  } catch (error) {
    if (error instanceof WouldOverdraw) throw badUserInput(`Invalid input: ${error.message}`, { argument: "input", fieldErrors: [{ field: "amount", message: "would take the balance below the reserved credits" }] });
    throw error;
  }
  await events.publishCreditChange(creditChangeOf(change.transaction, holder));
  return accountFigures(prisma, tenantId, holder);
}
