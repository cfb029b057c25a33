import { listBoardMembers } from "../../services/boardMembers.js";
import { boardGenerationsConnection, countBoardGenerations, listBoardGenerations } from "../../services/generations.js";
import { getRelatedUser } from "../../services/users.js";
import type { BoardResolvers } from "../types.generated.js";
import { required } from "./required.js";

export const Board: BoardResolvers = {
  owner: async (board, _, ctx) => required(await getRelatedUser(ctx, board.ownerId), "Board owner"),
  members: (board, _, ctx) => listBoardMembers(ctx, board.id),
  generations: (board, args, ctx) => listBoardGenerations(ctx, board.id, args),
  generationCount: (board, _, ctx) => countBoardGenerations(ctx, board.id),
  generationsConnection: (board, args, ctx) => boardGenerationsConnection(ctx, board.id, args),
};
