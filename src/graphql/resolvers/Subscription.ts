import { unauthenticated } from "../../errors.js";
import { boardUpdates, generationUpdates, isCredentialExpired, type LiveEvent } from "../../services/generationEvents.js";
import type { SubscriptionResolvers } from "../types.generated.js";

/** An event as the subscriber sees it; the credential's expiry ends the subscription with an error. */
const asEvent = (event: LiveEvent) => {
  if (isCredentialExpired(event)) throw unauthenticated("Token expired");
  return event;
};

// Authorization happens in the services, when the subscription starts.
export const Subscription: SubscriptionResolvers = {
  generationProgress: {
    subscribe: (_, { id }, ctx) => generationUpdates(ctx, id),
    resolve: asEvent,
  },
  boardGenerations: {
    subscribe: (_, { boardId }, ctx) => boardUpdates(ctx, boardId),
    resolve: asEvent,
  },
};
