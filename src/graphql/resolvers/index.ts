import type { Resolvers } from "../types.generated.js";
import { DateTime, FileScalar, JSONScalar, UUID } from "../scalars.js";
import { ArtifactLineage } from "./ArtifactLineage.js";
import { Board } from "./Board.js";
import { BoardMember } from "./BoardMember.js";
import { BoardConnection, CreditTransactionConnection, GenerationConnection, TagConnection } from "./connections.js";
import { CreditTransaction } from "./CreditTransaction.js";
import { Generation } from "./Generation.js";
import { GenerationEvent } from "./GenerationEvent.js";
import { GeneratorInfo } from "./GeneratorInfo.js";
import { AncestryNode, DescendantNode } from "./lineageNodes.js";
import { Mutation } from "./Mutation.js";
import { Node } from "./Node.js";
import { Query } from "./Query.js";
import { Subscription } from "./Subscription.js";
import { User } from "./User.js";

/** Every resolver of schema.graphql; fields not listed resolve by property name. */
export const resolvers: Resolvers = {
  UUID,
  DateTime,
  JSON: JSONScalar,
  File: FileScalar,
  Query,
  Mutation,
  Subscription,
  Node,
  User,
  Board,
  BoardMember,
  Generation,
  ArtifactLineage,
  AncestryNode,
  DescendantNode,
  GenerationEvent,
  GeneratorInfo,
  BoardConnection,
  GenerationConnection,
  TagConnection,
  CreditTransaction,
  CreditTransactionConnection,
};
