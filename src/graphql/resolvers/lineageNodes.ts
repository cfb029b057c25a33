import type { AncestryNodeResolvers, DescendantNodeResolvers } from "../types.generated.js";

export const AncestryNode: AncestryNodeResolvers = {
  parents: (node) => node.next,
};

export const DescendantNode: DescendantNodeResolvers = {
  children: (node) => node.next,
};
