/**
 * Server spans of HTTP requests: `<METHOD> <route>` (e.g. `POST /graphql`, `GET
 * /api/storage/{key}`), with the route pattern rather than the raw path so span names and the
 * `http.route` attribute stay a small set; never the query string (it can hold signed-URL
 * signatures). A `traceparent` header from the caller is continued.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { loadedTracing, spanKind } from "./spans.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

const EXACT_ROUTES = new Set([
  "/graphql",
  "/health",
  "/ready",
  "/yoga-health",
  "/api/uploads/artifact",
  "/api/storage/status",
  "/api/setup/tenant",
  "/api/setup/tenants",
  "/api/setup/status",
  "/api/setup/credits/purchase",
  "/api/tenants/registration/status",
  "/api/tenants/register",
]);

const PATTERN_ROUTES: Array<[RegExp, string]> = [
  [/^\/api\/sse\/generations\/[^/]+\/progress$/, "/api/sse/generations/{id}/progress"],
  [/^\/api\/storage\/.+/, "/api/storage/{key}"],
  [/^\/api\/setup\/credits\/[^/]+$/, "/api/setup/credits/{tenant_id}"],
];

/** The route pattern a path belongs to, or undefined for paths no route serves. */
export function routeOf(path: string): string | undefined {
  if (EXACT_ROUTES.has(path)) return path;
  return PATTERN_ROUTES.find(([pattern]) => pattern.test(path))?.[1];
}

/**
 * Runs `handle` inside a server span for the request; the span ends when the response is over
 * (or the connection is gone), with its status code. Without tracing, just runs `handle`.
 */
export function traceRequest(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
  const loaded = loadedTracing();
  if (!loaded) return handle();
  const { api, tracer } = loaded;
  const method = req.method && METHODS.has(req.method) ? req.method : "_OTHER";
  const route = routeOf((req.url ?? "/").split("?")[0]!);
  const traceparent = req.headers.traceparent;
  const parent = typeof traceparent === "string" ? api.propagation.extract(api.ROOT_CONTEXT, { traceparent }) : api.ROOT_CONTEXT;
  const span = tracer.startSpan(
    route ? `${method} ${route}` : method,
    { kind: spanKind(api, "server"), attributes: { "http.request.method": method, ...(route ? { "http.route": route } : {}) } },
    parent,
  );
  res.once("close", () => {
    span.setAttribute("http.response.status_code", res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
    if (!res.writableFinished) span.setAttribute("error.type", "connection_closed");
    span.end();
  });
  api.context.with(api.trace.setSpan(parent, span), handle);
}
