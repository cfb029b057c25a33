import { GraphQLError } from "graphql";
import { requestStore } from "../requestContext.js";

/**
 * By name, not instanceof: graphql can be loaded both as ESM and CJS in one process (the dual
 * package hazard), and an error class from one copy is not an instance of the other's.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === "GraphQLError";
}

/** Unexpected errors are logged with the request id and reach the client only as that id. */
export function maskError(error: unknown, message: string): Error {
  if (isGraphQLError(error) && (!error.originalError || isGraphQLError(error.originalError))) {
    return error;
  }
  const store = requestStore.getStore();
  const original = isGraphQLError(error) ? error.originalError : error;
  store?.logger.error({ err: original, requestId: store.requestId }, "unexpected error");
  return new GraphQLError(message, {
    nodes: isGraphQLError(error) ? error.nodes : undefined,
    path: isGraphQLError(error) ? error.path : undefined,
    extensions: { code: "INTERNAL_SERVER_ERROR", requestId: store?.requestId },
  });
}

