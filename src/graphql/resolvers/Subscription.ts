import type { GenerationEvent } from "../../events.js";
import { boardUpdates, generationUpdates } from "../../services/generationEvents.js";
import type { SubscriptionResolvers } from "../types.generated.js";

const asEvent = (event: GenerationEvent) => event;

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
