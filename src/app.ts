/**
 * createApp(deps): the HTTP handler of the API process — GraphQL (Yoga) plus the operational
 * routes. main.ts listens with it; tests start it on a random port.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError } from "graphql";
import { createYoga } from "graphql-yoga";
import type { Redis } from "ioredis";
import { authenticate } from "./auth/authenticate.js";
import { createAuthAdapter } from "./auth/createAuthAdapter.js";
import type { AppContext } from "./context.js";
import type { PrismaClient } from "./db.js";
import type { Env } from "./env.js";
import { useHideSuggestions } from "./graphql/hideSuggestions.js";
import { useInputGuards } from "./graphql/inputGuards.js";
import { createSchema } from "./graphql/schema.js";
import { isValidTenantSlug } from "./lib/tenantSlug.js";
import { createLoaders } from "./loaders.js";
import type { Logger } from "./logger.js";
import { requestStore } from "./requestContext.js";

export type AppDeps = {
  env: Env;
  prisma: PrismaClient;
  logger: Logger;
  /** Checked by /ready when configured. */
  redis?: Redis | undefined;
};

export type App = {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
};

type ServerContext = { req: IncomingMessage; res: ServerResponse };

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * By name, not instanceof: graphql can be loaded both as ESM and CJS in one process (the dual
 * package hazard), and an error class from one copy is not an instance of the other's.
 */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === "GraphQLError";
}

/** Unexpected errors are logged with the request id and reach the client only as that id. */
function maskError(error: unknown, message: string): Error {
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

export function createApp(deps: AppDeps): App {
  const { env, prisma, logger } = deps;
  const production = env.environment === "production";
  const adapter = createAuthAdapter(env.auth);
  const authOptions = {
    autoCreateTenant: !env.multiTenantMode,
    defaultTenantSlug: env.defaultTenantSlug,
    defaultTenantName: env.defaultTenantName,
  };
  const limits = env.graphqlLimits;

  const plugins = [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth },
      maxAliases: { n: limits.maxAliases },
      maxTokens: { n: limits.maxTokens },
      costLimit: { maxCost: limits.maxCost },
      maxDirectives: { n: 50 },
      blockFieldSuggestion: { enabled: production },
    }),
    useCSRFPrevention({ requestHeaders: ["x-graphql-yoga-csrf"] }),
    useInputGuards(),
    ...(production ? [useDisableIntrospection(), useHideSuggestions()] : []),
  ];

  const yoga = createYoga<ServerContext, AppContext>({
    schema: createSchema(),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    healthCheckEndpoint: "/yoga-health",
    graphiql: env.graphiql ? { title: "boards-server", headers: JSON.stringify({ "x-graphql-yoga-csrf": "1" }) } : false,
    renderGraphiQL,
    cors: { origin: env.corsOrigins, credentials: true },
    maskedErrors: { maskError },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(" ")),
      info: (...args) => logger.info(args.map(String).join(" ")),
      warn: (...args) => logger.warn(args.map(String).join(" ")),
      error: (...args) => logger.error(args.map(String).join(" ")),
    },
    plugins,
    context: async ({ request }) => {
      const store = requestStore.getStore();
      const viewer = await authenticate(request.headers, { prisma, adapter, options: authOptions });
      return {
        viewer,
        prisma,
        env,
        loaders: createLoaders(prisma, viewer),
        requestId: store?.requestId ?? randomUUID(),
        logger: store?.logger ?? logger,
      };
    },
  });

  async function ready(res: ServerResponse) {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await prisma.$queryRaw`SELECT 1`;
      checks.database = "ok";
    } catch {
      checks.database = "unreachable";
      ok = false;
    }
    if (deps.redis) {
      try {
        await deps.redis.ping();
        checks.redis = "ok";
      } catch {
        checks.redis = "unreachable";
        ok = false;
      }
    }
    sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "unavailable", checks });
  }

  /** Multi-tenant mode needs X-Tenant on API routes; any X-Tenant given must be a valid slug. */
  function tenantHeaderProblem(req: IncomingMessage): { status: number; body: unknown } | null {
    const raw = req.headers["x-tenant"];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value.trim() === "") {
      if (!env.multiTenantMode) return null;
      return {
        status: 400,
        body: {
          error: "Missing X-Tenant header",
          detail: "X-Tenant header is required in multi-tenant mode for this endpoint",
          multi_tenant_mode: true,
        },
      };
    }
    if (isValidTenantSlug(value.trim())) return null;
    return {
      status: 400,
      body: {
        error: "Invalid X-Tenant header format",
        detail: "X-Tenant must be lowercase letters, digits and hyphens (no leading or trailing hyphen), at most 255 characters",
        provided_tenant: value.slice(0, 300),
      },
    };
  }

  function route(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/health") return sendJson(res, 200, { status: "healthy", version: env.version });
    if (path === "/ready") return void ready(res);

    if (path === "/graphql" || path.startsWith("/api/")) {
      const problem = tenantHeaderProblem(req);
      if (problem) return sendJson(res, problem.status, problem.body);
    }
    // Multipart bodies too: the API accepts no file uploads yet.
    if (path === "/graphql" && req.method === "POST") {
      const length = Number(req.headers["content-length"]);
      if (req.headers["content-length"] === undefined) {
        return sendJson(res, 411, { errors: [{ message: "Content-Length is required", extensions: { code: "BAD_REQUEST" } }] });
      }
      if (!Number.isFinite(length) || length > limits.maxBodyBytes) {
        res.setHeader("connection", "close");
        return sendJson(res, 413, {
          errors: [{ message: `Request body exceeds ${limits.maxBodyBytes} bytes`, extensions: { code: "PAYLOAD_TOO_LARGE" } }],
        });
      }
    }
    return yoga(req, res, { req, res });
  }

  return {
    handle(req, res) {
      const header = req.headers["x-request-id"];
      const requestId = typeof header === "string" && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
      const requestLogger = logger.child({ requestId });
      const started = process.hrtime.bigint();
      res.setHeader("x-request-id", requestId);
      res.on("finish", () => {
        requestLogger.info(
          {
            method: req.method,
            path: (req.url ?? "/").split("?")[0],
            status: res.statusCode,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          },
          "request",
        );
      });
      requestStore.run({ requestId, logger: requestLogger }, () => route(req, res));
    },
  };
}
