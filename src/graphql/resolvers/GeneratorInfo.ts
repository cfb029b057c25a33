import { estimateListedCost } from "../../services/generationCost.js";
import type { GeneratorInfoResolvers } from "../types.generated.js";

export const GeneratorInfo: GeneratorInfoResolvers = {
  estimatedCost: (info, { inputParams }, ctx) => estimateListedCost(ctx, info.generator, inputParams ?? {}),
};
