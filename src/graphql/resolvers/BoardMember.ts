import { getRelatedUser } from "../../services/users.js";
import type { BoardMemberResolvers } from "../types.generated.js";
import { required } from "./required.js";

export const BoardMember: BoardMemberResolvers = {
  user: async (member, _, ctx) => required(await getRelatedUser(ctx, member.userId), "Board member user"),
  inviter: (member, _, ctx) => (member.invitedBy ? getRelatedUser(ctx, member.invitedBy) : null),
};
