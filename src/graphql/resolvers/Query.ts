import { badUserInput } from "../../errors.js";
import { getBoard, boardsConnection, listMyBoards, listPublicBoards, searchBoards } from "../../services/boards.js";
import { creditTransactionsConnection } from "../../services/credits/creditTransactions.js";
import { estimateGenerationCost } from "../../services/generationCost.js";
import { generationsConnection, getGeneration, listGenerations } from "../../services/generations.js";
import { listGenerators } from "../../services/generators.js";
import { getNode } from "../../services/nodes.js";
import { getTag, getTagBySlug, listTags, tagsConnection } from "../../services/tags.js";
import { getMe, getUser } from "../../services/users.js";
import type { QueryResolvers } from "../types.generated.js";

const MAX_NODES = 100;

export const Query: QueryResolvers = {
  node: (_, { id }, ctx) => getNode(ctx, id),
  nodes: (_, { ids }, ctx) => {
    if (ids.length > MAX_NODES) throw badUserInput(`\`ids\` accepts at most ${MAX_NODES} ids`, { argument: "ids" });
    return Promise.all(ids.map((id) => getNode(ctx, id)));
  },
  me: (_, __, ctx) => getMe(ctx),
  user: (_, { id }, ctx) => getUser(ctx, id),
  board: (_, { id }, ctx) => getBoard(ctx, id),
  myBoards: (_, args, ctx) => listMyBoards(ctx, args),
  publicBoards: (_, args, ctx) => listPublicBoards(ctx, args),
  searchBoards: (_, args, ctx) => searchBoards(ctx, args),
  boardsConnection: (_, args, ctx) => boardsConnection(ctx, args),
  generation: (_, { id }, ctx) => getGeneration(ctx, id),
  generations: (_, args, ctx) => listGenerations(ctx, args),
  recentGenerations: (_, args, ctx) => listGenerations(ctx, args),
  generationsConnection: (_, args, ctx) => generationsConnection(ctx, args),
  generators: (_, { artifactType }, ctx) => listGenerators(ctx, artifactType),
  estimateCost: (_, { generatorName, inputParams }, ctx) => estimateGenerationCost(ctx, generatorName, inputParams),
  tags: (_, args, ctx) => listTags(ctx, args),
  tag: (_, { id }, ctx) => getTag(ctx, id),
  tagBySlug: (_, { slug }, ctx) => getTagBySlug(ctx, slug),
  tagsConnection: (_, args, ctx) => tagsConnection(ctx, args),
  creditTransactionsConnection: (_, args, ctx) => creditTransactionsConnection(ctx, args),
};
