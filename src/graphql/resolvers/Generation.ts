import { inputArtifactsOf } from "../../services/generations.js";
import { ancestry, descendants } from "../../services/lineage.js";
import { listGenerationTags } from "../../services/tags.js";
import { getRelatedUser } from "../../services/users.js";
import type { GraphQLContext } from "../../context.js";
import type { Generation as GenerationRow } from "../../generated/prisma/client.js";
import { additionalFileUrls, artifactUrls } from "../../services/artifactUrls.js";
import type { GenerationResolvers } from "../types.generated.js";
import { required } from "./required.js";

async function urlsOf(generation: GenerationRow, ctx: GraphQLContext) {
  const board = await ctx.loaders.boardById.load(generation.boardId);
  return board ? artifactUrls(ctx, generation, board) : { storageUrl: null, thumbnailUrl: null };
}

export const Generation: GenerationResolvers = {
  storageUrl: async (generation, _, ctx) => (await urlsOf(generation, ctx)).storageUrl,
  thumbnailUrl: async (generation, _, ctx) => (await urlsOf(generation, ctx)).thumbnailUrl,
  additionalFiles: async (generation, _, ctx) => {
    const board = await ctx.loaders.boardById.load(generation.boardId);
    return board ? additionalFileUrls(ctx, generation, board) : [];
  },
  board: async (generation, _, ctx) => required(await ctx.loaders.boardById.load(generation.boardId), "Generation board"),
  user: async (generation, _, ctx) => required(await getRelatedUser(ctx, generation.userId), "Generation user"),
  inputArtifacts: (generation) => inputArtifactsOf(generation),
  ancestry: (generation, { maxDepth }, ctx) => ancestry(ctx, generation, maxDepth),
  descendants: (generation, { maxDepth }, ctx) => descendants(ctx, generation, maxDepth),
  tags: (generation, _, ctx) => listGenerationTags(ctx, generation.id),
  // A Prisma Decimal, or its string form in a snapshot that came over the event bus.
  estimatedCost: (generation) => (generation.estimatedCost === null ? null : Number(generation.estimatedCost)),
};
