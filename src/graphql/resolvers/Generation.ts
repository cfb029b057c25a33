import { inputArtifactsOf } from "../../services/generations.js";
import { ancestry, descendants } from "../../services/lineage.js";
import { listGenerationTags } from "../../services/tags.js";
import { getRelatedUser } from "../../services/users.js";
import type { GraphQLContext } from "../../context.js";
import type { Generation as GenerationRow } from "../../generated/prisma/client.js";
import { additionalFileUrls, artifactUrls, type ArtifactUrls } from "../../services/artifactUrls.js";
import type { GenerationResolvers } from "../types.generated.js";
import { required } from "./required.js";

function urlsOf(generation: GenerationRow, ctx: GraphQLContext) {
  // Files this server did not store pass through as recorded, whatever the board: no board to
  // load, no promise per field (a page of hundreds of generations asks for this on each).
  if (!generation.storageKey || !generation.storageProvider) return { storageUrl: generation.storageUrl, thumbnailUrl: generation.thumbnailUrl };
  return ctx.loaders.boardById.load(generation.boardId).then((board) => (board ? artifactUrls(ctx, generation, board) : { storageUrl: null, thumbnailUrl: null }));
}

/** One of the URLs, at once when they are known, else when they are. */
function pick(urls: ArtifactUrls | Promise<ArtifactUrls>, key: keyof ArtifactUrls): string | null | Promise<string | null> {
  return urls instanceof Promise ? urls.then((u) => u[key]) : urls[key];
}

export const Generation: GenerationResolvers = {
  storageUrl: (generation, _, ctx) => pick(urlsOf(generation, ctx), "storageUrl"),
  thumbnailUrl: (generation, _, ctx) => pick(urlsOf(generation, ctx), "thumbnailUrl"),
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
