/**
 * Live credits: the figures of the account paying for a user's generations, then the figures
 * after every change of it (reservation, settlement, grant, adjustment, purchase), so a client's
 * balance moves as generations run. The bus carries only what changed; each event's figures are
 * read from the account when the event arrives, so events delivered out of order never show
 * older figures than the last change.
 */
import type { ServiceContext } from "../../context.js";
import { failedPrecondition, forbidden, notFound } from "../../errors.js";
import type { CreditChange } from "../../events.js";
import { requireUser } from "../boardAccess.js";
import { closingAtOnce, guarded, guardStream, type StreamEnd } from "../liveStream.js";
import { accountFigures, holderFor, type CreditFigures } from "./creditAccounts.js";

/** One item of a credits stream: the figures, and the change that led to them (none for the first). */
export type CreditsUpdate = {
  credits: CreditFigures;
  type: CreditChange["type"] | null;
  amount: number | null;
  generationId: string | null;
  timestamp: string;
};

/**
 * The credits stream of the caller's paying account, or of `userId`'s for a tenant admin (in
 * `tenant` mode, the tenant's pool either way). It ends as the other live streams do: at the
 * credential's expiry, when the server stops, and (after the current figures) when the event bus
 * is lost.
 * @throws UNAUTHENTICATED; FAILED_PRECONDITION (credits off); FORBIDDEN (another user's, not an
 *   admin); NOT_FOUND (no such user in the tenant)
 */
export async function creditUpdates(ctx: ServiceContext, userId?: string | null): Promise<AsyncGenerator<CreditsUpdate | StreamEnd>> {
  const caller = requireUser(ctx, "Authentication required to follow credits");
  const holder = holderFor(ctx.creditsMode, caller.id);
  if (!holder) throw failedPrecondition("Credits are off: set BOARDS_CREDITS_MODE to user or tenant");
  let accountHolder = holder;
  if (userId && userId !== caller.id) {
    if (!ctx.viewer.tenantAdmin) throw forbidden("Permission denied: only tenant admins follow another user's credits");
    const user = await ctx.loaders.userById.load(userId);
    if (!user || user.tenantId !== caller.tenantId) throw notFound("User not found");
    accountHolder = holderFor(ctx.creditsMode, user.id)!;
  }
  const tenantId = caller.tenantId;
  const figures = () => accountFigures(ctx.prisma, tenantId, accountHolder);
  const guard = guardStream(ctx);
  const subscription = await guarded(guard.cancel, ctx.events.subscribeCredits(tenantId, accountHolder));
  guard.attach(subscription);
  const closeAll = () => {
    subscription.close();
    guard.cancel();
  };
  // Read after subscribing, so no change between the two is missed.
  const first = await guarded(closeAll, figures());
  async function* stream(): AsyncGenerator<CreditsUpdate | StreamEnd> {
    try {
      yield { credits: first, type: null, amount: null, generationId: null, timestamp: new Date().toISOString() };
      for await (const change of subscription.events) {
        yield { credits: await figures(), type: change.type, amount: change.amount, generationId: change.generationId, timestamp: change.timestamp };
      }
      const ending = guard.ending();
      if (ending) {
        yield ending;
        return;
      }
      if (!subscription.interrupted()) return;
      // Changes may have been missed: say where the account is now, then that the stream ends.
      yield { credits: await figures(), type: null, amount: null, generationId: null, timestamp: new Date().toISOString() };
      yield { streamEnd: "events-interrupted" };
    } finally {
      closeAll();
    }
  }
  return closingAtOnce(stream(), closeAll);
}
