/**
 * Envelop plugin for two input rules no single resolver should have to repeat:
 *  - text containing a NUL character (U+0000) is refused up front with BAD_USER_INPUT:
 *    PostgreSQL cannot store it in text or jsonb, so it would otherwise fail deep in a write;
 *  - variable values that do not fit their declared types get `extensions.code`
 *    BAD_USER_INPUT, like every other input error.
 */
import { GraphQLError, visit, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";

function documentHasNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes("\u0000")) found = true;
    },
  });
  return found;
}

function valueHasNul(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some((v) => valueHasNul(v, depth + 1));
  if (value && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => k.includes("\u0000") || valueHasNul(v, depth + 1));
  }
  return false;
}

const nulError = () =>
  new GraphQLError("Text must not contain NUL (U+0000) characters", { extensions: { code: "BAD_USER_INPUT" } });

export function useInputGuards(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (documentHasNul(args.document) || valueHasNul(args.variableValues)) {
        setResultAndStopExecution({ errors: [nulError()] });
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (documentHasNul(args.document) || valueHasNul(args.variableValues)) {
        setResultAndStopExecution({ errors: [nulError()] });
      }
    },
    onExecutionResult({ result }) {
      if (!result || !("errors" in result) || !result.errors) return;
      for (const error of result.errors) {
        const e = error as GraphQLError;
        if (!e.extensions?.code && /^Variable "\$/.test(e.message)) {
          (e.extensions as Record<string, unknown>).code = "BAD_USER_INPUT";
        }
      }
    },
  };
}

