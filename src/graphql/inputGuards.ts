/**
 * Envelop plugin for input rules no single resolver should have to repeat:
 *  - text containing a NUL character (U+0000) or a lone UTF-16 surrogate is refused up front
 *    with BAD_USER_INPUT, in variables (values and object keys) and in the document's literals:
 *    PostgreSQL cannot store the first, and neither it nor Prisma's query encoding accepts the
 *    second, so either would otherwise fail deep in a query as an internal error;
 *  - variables and literals nested deeper than {@link MAX_INPUT_DEPTH} levels are refused
 *    (JSON scalar values have their own, lower limit; see scalars.ts);
 *  - variable values that do not fit their declared types get `extensions.code`
 *    BAD_USER_INPUT, like every other input error.
 */
import { GraphQLError, visit, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { describeInputProblem, inputProblem, textProblem, type InputProblem } from "../lib/inputProblem.js";

/** Nesting allowed in a whole variables object or literal: a JSON value of the maximum depth inside an input object fits. */
export const MAX_INPUT_DEPTH = 64;

function documentProblem(document: DocumentNode): InputProblem | null {
  let found: InputProblem | null = null;
  let depth = 0;
  const enter = () => {
    depth += 1;
    if (depth > MAX_INPUT_DEPTH) found ??= "depth";
  };
  const leave = () => {
    depth -= 1;
  };
  visit(document, {
    StringValue(node) {
      found ??= textProblem(node.value);
    },
    ObjectValue: { enter, leave },
    ListValue: { enter, leave },
  });
  return found;
}

function problemOf(document: DocumentNode, variables: unknown): InputProblem | null {
  // Variables are a JSON object: one level for the object itself.
  return inputProblem(variables ?? {}, MAX_INPUT_DEPTH + 1) ?? documentProblem(document);
}

const inputError = (problem: InputProblem) =>
  new GraphQLError(describeInputProblem(problem, MAX_INPUT_DEPTH), { extensions: { code: "BAD_USER_INPUT" } });

export function useInputGuards(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const problem = problemOf(args.document, args.variableValues);
      if (problem) setResultAndStopExecution({ errors: [inputError(problem)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const problem = problemOf(args.document, args.variableValues);
      if (problem) setResultAndStopExecution({ errors: [inputError(problem)] });
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
