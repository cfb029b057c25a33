import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";

export type ClientOptions = {
  /** Base URL of the API, e.g. `http://localhost:8088`. */
  url: string;
  /** Bearer token (omit with the server's `none` auth provider). */
  token?: string | undefined;
  /** Tenant slug, sent as `X-Tenant` (omit for the token's tenant or `default`). */
  tenant?: string | undefined;
};

export type TypedClient = {
  /** Runs a query or mutation over HTTP and returns its data; GraphQL errors throw. */
  request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R>;
  /** Runs a subscription over WebSocket (graphql-ws); each event's data, until the server completes it. */
  subscribe<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): AsyncGenerator<R>;
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
};

/** Thrown for an answer carrying GraphQL errors; `code` is the first error's `extensions.code`. */
export class GraphQLRequestError extends Error {
  readonly code: string | undefined;
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((error) => error.message).join("; "));
    const code = errors[0]?.extensions?.code;
    this.code = typeof code === "string" ? code : undefined;
  }
}

/**
 * A minimal typed client: the result and variable types come from the TypedDocumentNode that
 * the generated `graphql()` returns, so a misspelt field or a missing variable fails `tsc`.
 */
export function createTypedClient(options: ClientOptions): TypedClient {
  const endpoint = new URL("/graphql", options.url);
  const credentials: Record<string, string> = {};
  if (options.token) credentials.Authorization = `Bearer ${options.token}`;
  if (options.tenant) credentials["X-Tenant"] = options.tenant;
  let socket: Client | undefined;

  return {
    async request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...credentials },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: GraphQLFormattedError[] };
      if (body.errors?.length) throw new GraphQLRequestError(body.errors);
      if (!response.ok || body.data == null) throw new Error(`HTTP ${response.status} without data`);
      // The server validated the operation against the schema the types were generated from.
      return body.data as R;
    },

    async *subscribe<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): AsyncGenerator<R> {
      const wsUrl = new URL(endpoint);
      wsUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";
      // Node 22 has a global WebSocket, which graphql-ws uses. Credentials travel in the
      // connection parameters: a browser WebSocket cannot set headers.
      socket ??= createClient({ url: wsUrl.href, connectionParams: credentials, retryAttempts: 0 });
      for await (const result of socket.iterate({ query: print(document), variables })) {
        if (result.errors?.length) throw new GraphQLRequestError(result.errors);
        yield result.data as R;
      }
    },

    async close() {
      await socket?.dispose();
    },
  };
}
