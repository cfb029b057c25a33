/**
 * Envelop plugin for production: removes "Did you mean …?" hints from every error — validation
 * (including enum values, which graphql-armor's suggestion blocking misses) and execution
 * (including variable coercion) — so error messages do not reveal schema names.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

const SUGGESTION = / ?Did you mean [^?]*\?/g;

function stripped(error: GraphQLError): GraphQLError {
  if (!error.message.includes("Did you mean")) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ""), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

export function useHideSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((e) => (e.name === "GraphQLError" ? stripped(e as GraphQLError) : e)));
      };
    },
    onExecutionResult({ result, setResult }) {
      if (result && "errors" in result && result.errors?.length) {
        setResult({ ...result, errors: result.errors.map((e) => stripped(e as GraphQLError)) });
      }
    },
  };
}
