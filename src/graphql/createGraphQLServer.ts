/**
 * The Yoga instance: schema, hardening plugins, GraphiQL, error masking, and the per-request
 * context (authenticated viewer, fresh DataLoaders, shared collaborators).
 */
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../context.js";
import type { Env } from "../env.js";
import type { SubscriptionQuota } from "../lib/SubscriptionQuota.js";
import type { Logger } from "../logger.js";
import { useCancelAbandonedResponses } from "./cancelAbandonedResponses.js";
import { useHideSuggestions } from "./hideSuggestions.js";
import { useInputGuards } from "./inputGuards.js";
import { useNodeLimit } from "./nodeLimit/useNodeLimit.js";
import { maskError } from "./maskError.js";
import { createSchema } from "./schema.js";
import { tracingActive } from "../tracing/spans.js";
import { useTracing } from "../tracing/useTracing.js";
import { useSubscriptionQuota } from "./useSubscriptionQuota.js";
import { useGraphQLMetrics } from "../metrics/useGraphQLMetrics.js";
import { needsNoViewer } from "./needsNoViewer.js";

export type ServerContext = { req?: IncomingMessage; res?: ServerResponse };

export type GraphQLServer = YogaServerInstance<ServerContext, AppContext>;

/**
 * Headers of which a request must carry one unless its content type forces a CORS preflight
 * (CSRF prevention). Multipart requests, parsed outside Yoga, are checked against them too.
 */
export const CSRF_HEADERS = ["x-graphql-yoga-csrf"] as const;

export function createGraphQLServer(options: {
  env: Env;
  logger: Logger;
  /**
   * Builds the request context from the request's headers (authenticating the caller); a
   * request that selects only introspection needs no viewer from the database.
   */
  context: (headers: Headers, request: { needsNoViewer: boolean }) => Promise<AppContext>;
  /** Live subscriptions per user, shared with the progress stream. */
  subscriptions: SubscriptionQuota;
}): GraphQLServer {
  const { env, logger } = options;
  const production = env.environment === "production";
  const limits = env.graphqlLimits;
  return createYoga<ServerContext, AppContext>({
    schema: createSchema(),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    healthCheckEndpoint: "/yoga-health",
    graphiql: env.graphiql ? { title: "boards-server", headers: JSON.stringify({ [CSRF_HEADERS[0]]: "1" }) } : false,
    renderGraphiQL,
    // An empty list would mean "every origin" to Yoga; here it means none (as on the REST routes).
    cors: env.corsOrigins.length ? { origin: env.corsOrigins, credentials: true } : false,
    // Yoga would buffer whole files in memory; the HTTP layer streams multipart bodies to disk
    // (src/http/graphqlMultipart.ts) and hands Yoga a JSON body instead.
    multipart: false,
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(" ")),
      info: (...args) => logger.info(args.map(String).join(" ")),
      warn: (...args) => logger.warn(args.map(String).join(" ")),
      error: (...args) => logger.error(args.map(String).join(" ")),
    },
    plugins: [
      // First: sees every operation, including those the limits below refuse.
      useGraphQLMetrics(),
      EnvelopArmorPlugin({
        maxDepth: { n: limits.maxDepth },
        maxAliases: { n: limits.maxAliases },
        maxTokens: { n: limits.maxTokens },
        costLimit: { enabled: false },
        maxDirectives: { n: 50 },
        blockFieldSuggestion: { enabled: production },
      }),
      useNodeLimit(limits.maxNodes),
      useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] }),
      useInputGuards(),
      useCancelAbandonedResponses(),
      ...(production ? [useDisableIntrospection(), useHideSuggestions()] : []),
      ...(tracingActive() ? [useTracing()] : []),
      // Last: a subscription another plugin answers itself never takes a place.
      useSubscriptionQuota(options.subscriptions),
    ],
    context: ({ request, params }) => options.context(request.headers, { needsNoViewer: needsNoViewer(params) }),
  });
}
