/**
 * GraphQL over WebSocket (graphql-ws protocol, on /graphql). Browsers cannot set headers on a
 * WebSocket, so `Authorization` and `X-Tenant` come in the connection_init payload
 * (`connectionParams`); operations then run through the same Yoga pipeline (plugins, limits,
 * context) as HTTP requests. Credentials are checked for every operation, so a connection
 * whose token has expired can start nothing new; in multi-tenant mode `X-Tenant` is required,
 * as on HTTP.
 */
import type { Server } from "node:http";
import { GraphQLError, type ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { GraphQLServer } from "../graphql/createGraphQLServer.js";
import { isGraphQLError } from "../graphql/maskError.js";

type Enveloped = ReturnType<GraphQLServer["getEnveloped"]>;
type RootValue = { execute: Enveloped["execute"]; subscribe: Enveloped["subscribe"] };

function headersFrom(params: Record<string, unknown> | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === "string" && /^(authorization|x-tenant)$/i.test(name)) headers.set(name, value);
  }
  return headers;
}

/** Serves graphql-ws on `server` at /graphql; returns a function that closes it. */
export function attachWebSockets(server: Server, yoga: GraphQLServer, options: { multiTenantMode: boolean }): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: 1024 * 1024 });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as RootValue).execute(args as ExecutionArgs),
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args as ExecutionArgs),
      onSubscribe: async (ctx, _id, payload) => {
        const headers = headersFrom(ctx.connectionParams);
        if (options.multiTenantMode && !headers.get("x-tenant")?.trim()) {
          return [new GraphQLError("Missing X-Tenant header", { extensions: { code: "BAD_REQUEST", multi_tenant_mode: true } })];
        }
        const request = new Request("http://localhost/graphql", { headers });
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ request, params: payload });
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          // Authentication problems go back to the client as the operation's errors.
          if (isGraphQLError(error)) return [error];
          throw error;
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe } satisfies RootValue,
        };
      },
    },
    wss,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
