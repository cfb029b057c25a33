import { listUserBoards } from "../../services/boards.js";
import { creditsOfUser } from "../../services/credits/creditService.js";
import type { UserResolvers } from "../types.generated.js";

export const User: UserResolvers = {
  boards: (user, _, ctx) => listUserBoards(ctx, user.id, "owned"),
  memberBoards: (user, _, ctx) => listUserBoards(ctx, user.id, "member"),
  credits: (user, _, ctx) => creditsOfUser(ctx, user),
};
