/**
 * Refuses, before execution and so before any SQL, an operation that could return more nodes
 * than the limit (GitHub's node limit), with code QUERY_TOO_LARGE.
 */
import { GraphQLError, Kind, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { countNodes } from "./countNodes.js";

/** Envelop plugin enforcing `maxNodes` (see countNodes for how nodes are counted). */
export function useNodeLimit(maxNodes: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      const operations: OperationDefinitionNode[] = [];
      for (const def of args.document.definitions) {
        if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
        else if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
      }
      const operation = args.operationName
        ? operations.find((o) => o.name?.value === args.operationName)
        : operations[0];
      if (!operation) return;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const nodes = countNodes(args.schema, operation, fragments, variables);
      if (nodes <= maxNodes) return;
      const fmt = (n: number) => n.toLocaleString("en-US");
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Query would return up to ${fmt(nodes)} nodes; the limit is ${fmt(maxNodes)}`, {
            extensions: { code: "QUERY_TOO_LARGE", nodes, limit: maxNodes },
          }),
        ],
      });
    },
  };
}
