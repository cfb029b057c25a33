/**
 * Refuses, before execution and so before any SQL, an operation that could return more nodes
 * than the limit (GitHub's node limit), with code QUERY_TOO_LARGE.
 */
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { countNodes } from "./countNodes.js";

/**
 * The refusal for an operation of `document` that could return more than `maxNodes` nodes, or
 * null when it is within the limit (or names no operation of the document).
 */
export function nodeLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  maxNodes: number,
): GraphQLError | null {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    else if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return null;
  const nodes = countNodes(schema, operation, fragments, variables);
  if (nodes <= maxNodes) return null;
  const fmt = (n: number) => n.toLocaleString("en-US");
  return new GraphQLError(`Query would return up to ${fmt(nodes)} nodes; the limit is ${fmt(maxNodes)}`, {
    extensions: { code: "QUERY_TOO_LARGE", nodes, limit: maxNodes },
  });
}

/** Envelop plugin enforcing `maxNodes` (see countNodes for how nodes are counted). */
export function useNodeLimit(maxNodes: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const error = nodeLimitError(args.schema, args.document, args.operationName, variables, maxNodes);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
