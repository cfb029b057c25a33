/**
 * Node HTTP server settings against slow clients (BOARDS_HTTP_* variables): time for the
 * headers, time for the whole request, and how long an idle keep-alive connection stays open.
 * A body that stalls is cut separately (limitBodyIdle).
 */
import type { ServerOptions } from "node:http";
import type { Env } from "../env.js";

/** Options for `http.createServer` from the process configuration. */
export function httpServerOptions(http: Env["http"]): ServerOptions {
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    // Node enforces the two timeouts above only when it checks its connections, every 30 s by
    // default: a 20 s headers timeout could run 30 s late.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(http.headersTimeoutMs / 2))),
  };
}
