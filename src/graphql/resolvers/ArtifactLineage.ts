import { getGeneration } from "../../services/generations.js";
import type { ArtifactLineageResolvers } from "../types.generated.js";

export const ArtifactLineage: ArtifactLineageResolvers = {
  generation: (entry, _, ctx) => getGeneration(ctx, entry.generationId),
};
