import { fromSnapshot } from "../../events.js";
import type { GenerationEventResolvers } from "../types.generated.js";

export const GenerationEvent: GenerationEventResolvers = {
  generation: (event) => fromSnapshot(event.generation),
  timestamp: (event) => event.timestamp,
};
