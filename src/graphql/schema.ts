import { makeExecutableSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { readProjectFile } from "../lib/projectFile.js";
import { resolvers } from "./resolvers/index.js";

/** The executable schema: schema.graphql (the source of truth) plus the resolvers. */
export function createSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: readProjectFile("schema.graphql"),
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: "error" },
  });
}
