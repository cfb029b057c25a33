import { additionalFilesOf, inputArtifactsOf } from "../../services/generations.js";
import { ancestry, descendants } from "../../services/lineage.js";
import { listGenerationTags } from "../../services/tags.js";
import { getRelatedUser } from "../../services/users.js";
import type { GenerationResolvers } from "../types.generated.js";
import { required } from "./required.js";

export const Generation: GenerationResolvers = {
  additionalFiles: (generation) => additionalFilesOf(generation),
  board: async (generation, _, ctx) => required(await ctx.loaders.boardById.load(generation.boardId), "Generation board"),
  user: async (generation, _, ctx) => required(await getRelatedUser(ctx, generation.userId), "Generation user"),
  inputArtifacts: (generation) => inputArtifactsOf(generation),
  ancestry: (generation, { maxDepth }, ctx) => ancestry(ctx, generation, maxDepth),
  descendants: (generation, { maxDepth }, ctx) => descendants(ctx, generation, maxDepth),
  tags: (generation, _, ctx) => listGenerationTags(ctx, generation.id),
};
