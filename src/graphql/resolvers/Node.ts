import type { NodeResolvers } from "../types.generated.js";

// Entities are told apart by a column only their table has.
export const Node: NodeResolvers = {
  __resolveType: (row) => {
    if ("balanceAfter" in row) return "CreditTransaction";
    if ("generatorName" in row) return "Generation";
    if ("joinedAt" in row) return "BoardMember";
    if ("ownerId" in row) return "Board";
    if ("authSubject" in row) return "User";
    return "Tag";
  },
};
