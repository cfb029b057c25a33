import { notFound, serviceUnavailable, unauthenticated } from "../../errors.js";
import { creditUpdates } from "../../services/credits/creditUpdates.js";
import { boardUpdates, generationUpdates } from "../../services/generationEvents.js";
import { isStreamEnd, type StreamEnd } from "../../services/liveStream.js";
import type { SubscriptionResolvers } from "../types.generated.js";

/**
 * An event as the subscriber sees it. Losing the right to the stream ends the subscription with
 * an error: the credential expired, or the board is no longer readable (the same answer a new
 * subscription would get). Losing the event bus ends it with SERVICE_UNAVAILABLE: events may
 * have been missed, and subscribing again starts with the current state.
 */
const asEvent = <T extends object>(event: T | StreamEnd): T => {
  if (!isStreamEnd(event)) return event;
  if (event.streamEnd === "credential-expired") throw unauthenticated("Token expired");
  if (event.streamEnd === "events-interrupted") throw serviceUnavailable("Live updates were interrupted; subscribe again for the current state");
  throw notFound("Board not found");
};

// Authorization happens in the services: when the subscription starts, and again whenever the
// board's access changes.
export const Subscription: SubscriptionResolvers = {
  generationProgress: {
    subscribe: (_, { id }, ctx) => generationUpdates(ctx, id),
    resolve: asEvent,
  },
  boardGenerations: {
    subscribe: (_, { boardId }, ctx) => boardUpdates(ctx, boardId),
    resolve: asEvent,
  },
  creditUpdates: {
    subscribe: (_, { userId }, ctx) => creditUpdates(ctx, userId),
    resolve: asEvent,
  },
};
