/**
 * GraphQL over WebSocket (graphql-ws protocol, on /graphql). Browsers cannot set headers on a
 * WebSocket, so `Authorization` and `X-Tenant` come in the connection_init payload
 * (`connectionParams`); operations then run through the same Yoga pipeline (plugins, limits,
 * context) as HTTP requests. Credentials are checked for every operation, so a connection
 * whose token has expired can start nothing new; in multi-tenant mode `X-Tenant` is required,
 * as on HTTP.
 *
 * One operation never ends the connection: anything wrong with it (syntax, validation, the
 * depth/alias/token/cost limits, credentials, a refused quota, an unexpected failure) is
 * answered with an `error` message for its id, and the socket's other operations carry on.
 * A connection runs at most `maxOperationsPerConnection` operations at once, anonymous or not
 * (signed-in users are also held to their per-user subscription quota, see
 * graphql/useSubscriptionQuota.ts), and must send `connection_init` within 3 s.
 */
import type { Server } from "node:http";
import { getOperationAST, GraphQLError, type ExecutionArgs } from "graphql";
import type { SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { GraphQLServer } from "../graphql/createGraphQLServer.js";
import { isGraphQLError, maskError } from "../graphql/maskError.js";
import type { AppContext } from "../context.js";
import type { SubscriptionQuota } from "../lib/SubscriptionQuota.js";
import { nodeLimitError } from "../graphql/nodeLimit/useNodeLimit.js";
import type { Logger } from "../logger.js";

/** How long a new socket may take to send `connection_init` before it is closed (4408). */
const CONNECTION_INIT_TIMEOUT_MS = 3_000;
/**
 * The largest message a client may send. Uploads go over HTTP, so a message is an operation and
 * its variables; a larger frame closes the socket with 1009 (message too big) before it is read.
 */
export const MAX_SOCKET_MESSAGE_BYTES = 1024 * 1024;

type Enveloped = ReturnType<GraphQLServer["getEnveloped"]>;
type RootValue = { execute: Enveloped["execute"]; subscribe: Enveloped["subscribe"] };

/**
 * The credentials of `connectionParams` as request headers. A value no HTTP header could carry
 * (NUL, a line break) is the client's mistake, answered as an HTTP request with it would be.
 */
function headersFrom(params: Record<string, unknown> | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value !== "string" || !/^(authorization|x-tenant)$/i.test(name)) continue;
    try {
      headers.set(name, value);
    } catch {
      throw /^authorization$/i.test(name)
        ? new GraphQLError("Invalid Authorization header", { extensions: { code: "UNAUTHENTICATED" } })
        : new GraphQLError("Invalid X-Tenant header format", { extensions: { code: "BAD_REQUEST" } });
    }
  }
  return headers;
}

/**
 * The errors to send for an operation that failed before or while starting: GraphQL errors as
 * they are (re-created when they come from another copy of graphql, which graphql-ws would not
 * recognise), anything else logged and masked.
 */
function operationErrors(error: unknown, logger: Logger): GraphQLError[] {
  const errors = Array.isArray(error) ? (error as unknown[]) : [error];
  return errors.map((e) => {
    if (e instanceof GraphQLError) return e;
    if (isGraphQLError(e)) return new GraphQLError(e.message, { extensions: e.extensions });
    logger.error({ err: e }, "unexpected error in a WebSocket operation");
    return maskError(e, "Unexpected error.") as GraphQLError;
  });
}

/** An operation's result, or its errors as a result when running it threw. */
async function settled<T>(run: () => T | Promise<T>, logger: Logger): Promise<T | { errors: GraphQLError[] }> {
  try {
    return await run();
  } catch (error) {
    return { errors: operationErrors(error, logger) };
  }
}

/** Serves graphql-ws on `server` at /graphql; returns a function that closes it. */
export function attachWebSockets(
  server: Server,
  yoga: GraphQLServer,
  options: { multiTenantMode: boolean; maxOperationsPerConnection: number; maxNodes: number; subscriptions: SubscriptionQuota; logger: Logger },
): () => Promise<void> {
  const { logger } = options;
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: MAX_SOCKET_MESSAGE_BYTES });
  const disposable = useServer(
    {
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      // A thrown execute/subscribe would make graphql-ws close the whole socket (4500).
      execute: (args) => settled(() => (args.rootValue as RootValue).execute(args as ExecutionArgs), logger),
      subscribe: (args) => settled(() => (args.rootValue as RootValue).subscribe(args as ExecutionArgs), logger),
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws has already registered this operation, so it counts itself.
        if (Object.keys(ctx.subscriptions).length > options.maxOperationsPerConnection) {
          return [
            new GraphQLError(`Too many operations on this connection (at most ${options.maxOperationsPerConnection} at once)`, {
              extensions: { code: "TOO_MANY_OPERATIONS", limit: options.maxOperationsPerConnection },
            }),
          ];
        }
        try {
          return await prepare(ctx.connectionParams, payload);
        } catch (error) {
          // Parse errors (syntax, the token limit) are thrown; so may a plugin's refusal.
          return operationErrors(error, logger);
        }
      },
    },
    wss,
  );
  // Registered after graphql-ws's own listener, so it runs once that one has attached its
  // socket error handler, which it replaces: that handler prints the client's protocol errors
  // (a frame past the limit, invalid UTF-8) with console.error, stack and all. ws has already
  // closed such a socket with the right code (1009, 1007…); other errors close it as graphql-ws
  // would (1011).
  wss.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (err: Error & { code?: string }) => {
      const fromClient = err.code?.startsWith("WS_ERR_") === true;
      if (fromClient) logger.info({ code: err.code, reason: err.message }, "closed a WebSocket for a protocol error of its client");
      else logger.error({ err }, "WebSocket error");
      if (!fromClient) socket.close(1011, "Internal server error");
    });
  });

  async function prepare(connectionParams: Record<string, unknown> | undefined, payload: SubscribePayload) {
    const headers = headersFrom(connectionParams);
    if (options.multiTenantMode && !headers.get("x-tenant")?.trim()) {
      return [new GraphQLError("Missing X-Tenant header", { extensions: { code: "BAD_REQUEST", multi_tenant_mode: true } })];
    }
    // POST: Yoga refuses mutations on any other method (a GET could be a cross-site link).
    const request = new Request("http://localhost/graphql", { method: "POST", headers });
    const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ request, params: payload, graphqlTransport: "websocket" });
    const document = parse(payload.query);
    const errors = validate(schema, document);
    if (errors.length > 0) return operationErrors(errors, logger);
    // Checked here too so that a refusal is this operation's `error` message, as other refusals are.
    const tooLarge = nodeLimitError(schema, document, payload.operationName, payload.variables ?? {}, options.maxNodes);
    if (tooLarge) return [tooLarge];
    // Authentication problems are thrown, and go back to the client as the operation's errors.
    const contextValue = (await contextFactory()) as AppContext;
    // The quota itself is taken by the Yoga plugin; checking here first lets a refusal be this
    // operation's `error` message (the plugin's answer would be a result, then `complete`).
    const user = contextValue.viewer.user?.id;
    const quota = options.subscriptions;
    if (user && getOperationAST(document, payload.operationName)?.operation === "subscription" && quota.count(user) >= quota.limit) {
      return [new GraphQLError(quota.refusal, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: quota.limit } })];
    }
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue,
      rootValue: { execute, subscribe } satisfies RootValue,
    };
  }

  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
