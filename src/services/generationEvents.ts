/**
 * Live generation updates for subscribers (GraphQL subscriptions and the SSE endpoint). A
 * subscriber first gets the current state, then every change; the event subscription is opened
 * before the state is read, so nothing that happens in between is lost.
 *
 * A stream lives no longer than the credential it was opened with: when the viewer's token
 * expires, the stream sends {@link CREDENTIAL_EXPIRED} and ends, whichever transport carries it.
 */
import { canReadBoard } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { fromSnapshot, TERMINAL_STATUSES, toSnapshot, type GenerationEvent } from "../events.js";
import { notFound } from "../errors.js";
import { onDeadline } from "../lib/onDeadline.js";
import { accessToBoard } from "./boardAccess.js";
import { getGeneration } from "./generations.js";

/** The last item of a stream whose subscriber's credential expired. */
export type CredentialExpired = { readonly credentialExpired: true };

export const CREDENTIAL_EXPIRED: CredentialExpired = Object.freeze({ credentialExpired: true });

export type LiveEvent = GenerationEvent | CredentialExpired;

/** Whether `event` is the end-of-credential marker rather than a generation event. */
export function isCredentialExpired(event: LiveEvent): event is CredentialExpired {
  return "credentialExpired" in event;
}

/** Closes `subscription` when the viewer's credential expires; `expired()` tells whether it did. */
function closeOnExpiry(ctx: ServiceContext, subscription: { close: () => void }) {
  let expired = false;
  const cancel = onDeadline(ctx.viewer.expiresAt, () => {
    expired = true;
    subscription.close();
  });
  return { expired: () => expired, cancel };
}

/**
 * The stream with a `return()` that takes effect at once: a plain async generator waiting for
 * the next event would only see `return()` after that event arrived, holding the subscription
 * open for as long as the generation stays quiet.
 */
function closingAtOnce(stream: AsyncGenerator<LiveEvent>, close: () => void): AsyncGenerator<LiveEvent> {
  const wrapped: AsyncGenerator<LiveEvent> = {
    next: (...args) => stream.next(...args),
    return: (value) => {
      close();
      return stream.return(value);
    },
    throw: (error) => {
      close();
      return stream.throw(error);
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}

function currentState(generation: Parameters<typeof toSnapshot>[0]): GenerationEvent {
  const phase = generation.status === "PENDING" ? "queued" : TERMINAL_STATUSES.has(generation.status) ? "finalizing" : "processing";
  return { generation: toSnapshot(generation), phase, message: generation.errorMessage, timestamp: new Date().toISOString() };
}

/**
 * Events of one generation the viewer may read: its current state, then each change; ends
 * after a terminal state.
 * @throws NOT_FOUND when the generation does not exist or is not readable.
 */
export async function generationUpdates(ctx: ServiceContext, id: string): Promise<AsyncGenerator<LiveEvent>> {
  if (!(await getGeneration(ctx, id))) throw notFound("Generation not found");
  const subscription = await ctx.events.subscribe("generation", id);
  const expiry = closeOnExpiry(ctx, subscription);
  const current = await ctx.prisma.generation.findUnique({ where: { id } });
  async function* stream(): AsyncGenerator<LiveEvent> {
    try {
      if (!current) return;
      yield currentState(current);
      if (TERMINAL_STATUSES.has(current.status)) return;
      let lastUpdate = current.updatedAt.getTime();
      for await (const event of subscription.events) {
        // Events published before our read of the row are already reflected in it.
        if (new Date(event.generation.updatedAt).getTime() < lastUpdate) continue;
        lastUpdate = new Date(event.generation.updatedAt).getTime();
        yield event;
        if (TERMINAL_STATUSES.has(event.generation.status)) return;
      }
      if (expiry.expired()) yield CREDENTIAL_EXPIRED;
    } finally {
      expiry.cancel();
      subscription.close();
    }
  }
  return closingAtOnce(stream(), subscription.close);
}

/**
 * Every generation event on a board the viewer may read, until the subscriber leaves.
 * @throws NOT_FOUND when the board does not exist or is not readable.
 */
export async function boardUpdates(ctx: ServiceContext, boardId: string): Promise<AsyncGenerator<LiveEvent>> {
  const board = await ctx.loaders.boardById.load(boardId);
  if (!board || !canReadBoard(await accessToBoard(ctx, board))) throw notFound("Board not found");
  const subscription = await ctx.events.subscribe("board", boardId);
  const expiry = closeOnExpiry(ctx, subscription);
  async function* stream(): AsyncGenerator<LiveEvent> {
    try {
      yield* subscription.events;
      if (expiry.expired()) yield CREDENTIAL_EXPIRED;
    } finally {
      expiry.cancel();
      subscription.close();
    }
  }
  return closingAtOnce(stream(), subscription.close);
}

export { fromSnapshot };
