/**
 * createApp(deps): the HTTP side of the API process — GraphQL (Yoga, with SSE subscriptions),
 * GraphQL over WebSocket, the storage and progress-stream routes, health and readiness, and
 * request ids and logs for all of them. main.ts listens with it; tests start it on a random port.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import { authenticate } from "./auth/authenticate.js";
import { createAuthAdapter } from "./auth/createAuthAdapter.js";
import type { TenantDirectory } from "./auth/tenantDirectory.js";
import type { Viewer } from "./auth/viewer.js";
import type { AppContext, SharedDeps } from "./context.js";
import type { Env } from "./env.js";
import { createGraphQLServer } from "./graphql/createGraphQLServer.js";
import { isGraphQLError } from "./graphql/maskError.js";
import { applyCors } from "./http/cors.js";
import { isMultipartRequest, serveGraphQLMultipart } from "./http/graphqlMultipart.js";
import { PROGRESS_PATH, serveProgressSse } from "./http/progressSse.js";
import { requestHeaders, sendJson } from "./http/respond.js";
import { createSetupRoutes, isSetupPath } from "./http/setupRoutes.js";
import { createFileAuthorizer } from "./http/fileAccess.js";
import { serveStorage, STORAGE_PREFIX } from "./http/storageRoute.js";
import { serveUpload, UPLOAD_PATH } from "./http/uploadRoute.js";
import { createWebhookRoute, WEBHOOK_PATH } from "./http/webhookRoute.js";
import { limitBodyIdle } from "./http/limitBodyIdle.js";
import { attachWebSockets } from "./http/websocket.js";
import { SubscriptionQuota } from "./lib/SubscriptionQuota.js";
import { isValidTenantSlug } from "./lib/tenantSlug.js";
import { createLoaders } from "./loaders.js";
import { requestStore } from "./requestContext.js";
import { LiveStreams } from "./services/LiveStreams.js";
import { METRICS_PATH, serveMetrics } from "./metrics/metricsEndpoint.js";
import { recordRequest } from "./metrics/recordRequest.js";
import { traceRequest } from "./tracing/httpSpans.js";

export type AppDeps = SharedDeps & {
  env: Env;
  /** Tenant ids by slug, so anonymous requests read no table to learn their tenant. */
  tenantIds?: TenantDirectory;
  /** Checked by /ready when configured. */
  redis?: Redis | undefined;
};

export type App = {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Serves GraphQL over WebSocket on the server; returns a closer. */
  attachWebSockets: (server: Server) => () => Promise<void>;
  /**
   * Completes every open live stream (and any opened from now on) as at its natural end, for a
   * shutdown; resolves once each has finished.
   */
  endLiveStreams: () => Promise<void>;
};

/** Whether every %-escape of `path` is valid UTF-8 (decodeURIComponent would not throw). */
function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

export function createApp(deps: AppDeps): App {
  const { env, prisma, logger } = deps;
  const adapter = createAuthAdapter(env.auth);
  const authOptions = {
    autoCreateTenant: env.tenantAutoCreate,
    defaultTenantSlug: env.defaultTenantSlug,
    defaultTenantName: env.defaultTenantName,
  };
  const liveStreams = new LiveStreams();
  const tenancy = {
    multiTenantMode: env.multiTenantMode,
    customClaim: env.auth.tenantClaim,
    defaultTenantSlug: env.defaultTenantSlug,
    emailDomainTenants: env.auth.emailDomainTenants,
  };
  const serveWebhook = createWebhookRoute(deps);
  const serveSetup = createSetupRoutes({ env, prisma, jobs: deps.jobs, storage: deps.storage, events: deps.events, adapter });
  const limits = env.graphqlLimits;

  const contextFor = (viewer: Viewer): AppContext => {
    const store = requestStore.getStore();
    const loaders = createLoaders(prisma, viewer);
    if (viewer.user?.row) loaders.userById.prime(viewer.user.id, viewer.user.row);
    return {
      ...deps,
      viewer,
      env,
      liveStreams,
      loaders,
      requestId: store?.requestId ?? randomUUID(),
      logger: store?.logger ?? logger,
    };
  };
  const authenticateHeaders = (headers: Headers, lookUpViewer = true) =>
    authenticate(headers, { prisma, adapter, options: authOptions, tenancy, adminRole: env.auth.adminRole, tenantIds: deps.tenantIds }, lookUpViewer);

  const authorizeFile = createFileAuthorizer({ prisma, signer: deps.signer, authenticate: authenticateHeaders, contextFor });
  const subscriptions = new SubscriptionQuota(env.liveLimits.maxSubscriptionsPerUser);
  const yoga = createGraphQLServer({ env, logger, subscriptions, context: async (headers, request) => contextFor(await authenticateHeaders(headers, !request.needsNoViewer)),
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
        // Redis answering is not enough: the event bus's own connections must be back too.
        if (!deps.events.live()) throw new Error("event bus not connected");
        checks.redis = "ok";
      } catch {
        checks.redis = "unreachable";
        ok = false;
      }
    }
    sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "unavailable", checks });
  }

  /**
   * Multi-tenant mode needs X-Tenant on API routes (except the setup and registration
   * endpoints, as in Boards, and stored files); any X-Tenant given must be a valid slug.
   */
  function tenantHeaderProblem(req: IncomingMessage, required: boolean): { status: number; body: unknown } | null {
    const raw = req.headers["x-tenant"];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value.trim() === "") {
      if (!env.multiTenantMode || !required) return null;
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

  /** REST routes authenticate like GraphQL; failures answer `{detail}` as Boards does. */
  async function restContext(req: IncomingMessage, res: ServerResponse): Promise<AppContext | null> {
    try {
      return contextFor(await authenticateHeaders(requestHeaders(req)));
    } catch (error) {
      if (!isGraphQLError(error)) throw error;
      const status = Number((error.extensions.http as { status?: number } | undefined)?.status ?? 401);
      sendJson(res, status, { detail: error.message }, status === 401 ? { "www-authenticate": "Bearer" } : {});
      return null;
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    // Routes decode path segments (ids, storage keys): a broken escape is the client's mistake.
    if (!decodes(path)) return sendJson(res, 400, { detail: "Malformed percent-encoding in the request path" });
    // GraphQL builds the request URL from Host; one that is no host made it fail with a 500.
    if (req.headers.host !== undefined && !URL.canParse(`http://${req.headers.host}/`)) return sendJson(res, 400, { detail: "Invalid Host header" });
    if (path === "/health") return sendJson(res, 200, { status: "healthy", version: env.version });
    if (path === "/ready") return ready(res);
    // With a port of its own, /metrics is served there only.
    if (path === METRICS_PATH && env.metrics.port === undefined) return serveMetrics(req, res, env.metrics.token);

    if (path.startsWith("/api/") && applyCors(req, res, env.corsOrigins)) return;
    // Yoga answers GraphQL preflights and sets CORS headers on its own answers; these cover the
    // answers given before a request reaches it.
    if (path === "/graphql" && req.method !== "OPTIONS") applyCors(req, res, env.corsOrigins);
    if (path === "/graphql" || path.startsWith("/api/")) {
      // Stored files are fetched by key (an <img src> cannot send X-Tenant), like the setup
      // endpoints they need no tenant header; nor do provider webhooks (the job id finds the row).
      const problem = tenantHeaderProblem(req, !isSetupPath(path) && !path.startsWith(STORAGE_PREFIX) && !WEBHOOK_PATH.test(path));
      if (problem) return sendJson(res, problem.status, problem.body);
    }
    if (isSetupPath(path)) return serveSetup(req, res, path);
    if (path === "/api/storage/status") return sendJson(res, 200, { status: "Storage endpoint ready" });
    if (path.startsWith(STORAGE_PREFIX)) return serveStorage(req, res, deps, authorizeFile);
    const webhook = WEBHOOK_PATH.exec(path);
    if (webhook) return serveWebhook(req, res, webhook[1]!);
    if (path === UPLOAD_PATH) {
      const ctx = await restContext(req, res);
      if (ctx) await serveUpload(req, res, ctx, env.uploads);
      return;
    }
    const progress = PROGRESS_PATH.exec(path);
    if (progress && req.method === "GET") {
      const ctx = await restContext(req, res);
      if (ctx) await serveProgressSse(req, res, decodeURIComponent(progress[1]!), ctx, env.sseKeepAliveMs, subscriptions);
      return;
    }
    if (path === "/graphql" && req.method === "POST") {
      // File uploads: streamed to disk, with their own limits, before Yoga sees a JSON body.
      if (isMultipartRequest(req)) return serveGraphQLMultipart(req, res, { yoga, maxFieldBytes: limits.maxBodyBytes, maxTokens: limits.maxTokens, uploads: env.uploads });
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
    await yoga(req, res, { req, res });
  }

  return {
    handle(req, res) {
      const header = req.headers["x-request-id"];
      const requestId = typeof header === "string" && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
      const requestLogger = logger.child({ requestId });
      const started = process.hrtime.bigint();
      const operation: { name?: string; type?: string } = {};
      res.setHeader("x-request-id", requestId);
      limitBodyIdle(req, env.http.bodyIdleTimeoutMs);
      // "close" rather than "finish": a stream the client left never finishes, yet must be counted.
      res.once("close", () => {
        const path = (req.url ?? "/").split("?")[0]!;
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        recordRequest(req.method, path, res.statusCode, durationMs);
        requestLogger.info(
          {
            method: req.method,
            path,
            status: res.statusCode,
            durationMs,
            ...(res.writableFinished ? {} : { aborted: true }),
            ...(operation.type ? { operationName: operation.name, operationType: operation.type } : {}),
          },
          "request",
        );
      });
      requestStore.run({ requestId, logger: requestLogger, operation }, () =>
        traceRequest(req, res, () => {
          route(req, res).catch((err: unknown) => {
            requestLogger.error({ err }, "unhandled error in route");
            if (!res.headersSent) sendJson(res, 500, { detail: "Internal server error", requestId });
            else res.destroy();
          });
        }),
      );
    },
    attachWebSockets: (server) =>
      attachWebSockets(server, yoga, { multiTenantMode: env.multiTenantMode, maxOperationsPerConnection: env.liveLimits.maxOperationsPerConnection, maxNodes: env.graphqlLimits.maxNodes, subscriptions, logger }),
    endLiveStreams: () => liveStreams.endAll(),
  };
}
