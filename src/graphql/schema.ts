import { readFileSync } from "node:fs";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { resolvers } from "./resolvers/index.js";

// schema.graphql sits at the repository root; this file runs from src/ (tsx) or dist/src/ (node).
function findSchemaFile(): string {
  for (const relative of ["../../schema.graphql", "../../../schema.graphql"]) {
    const url = new URL(relative, import.meta.url);
    try {
      return readFileSync(url, "utf8");
    } catch {
      // try the next location
    }
  }
  throw new Error("schema.graphql not found next to the project root");
}

/** The executable schema: schema.graphql plus the resolvers. */
export function createSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: findSchemaFile(), resolvers, resolverValidationOptions: { requireResolversToMatchSchema: "error" } });
}
