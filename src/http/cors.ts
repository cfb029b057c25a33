/**
 * CORS for what the HTTP layer answers itself: the REST routes (uploads, the progress stream,
 * stored files, tenant setup) and early answers to /graphql requests (411, 413, multipart
 * errors). It is the policy Yoga applies to GraphQL (BOARDS_CORS_ORIGINS, credentials allowed,
 * as in Boards), so a browser client on an allowed origin can call every endpoint and read its
 * errors. `*` in the list allows any origin; it is echoed, since browsers refuse `*` together
 * with credentials.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
/** Response headers a cross-origin page may read (beyond the CORS-safelisted ones). */
const EXPOSED_HEADERS = "x-request-id, content-range, content-disposition, accept-ranges, content-length";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** The origin to allow for this request, or null when it sent none or one not on the list. */
export function allowedOrigin(req: IncomingMessage, allowed: readonly string[]): string | null {
  const origin = req.headers.origin;
  if (!origin) return null;
  return allowed.includes("*") || allowed.includes(origin) ? origin : null;
}

/**
 * Sets the CORS headers of an allowed origin on `res` (kept by whatever answers next), and
 * answers a preflight request itself.
 * @returns true when the request was a preflight and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = allowedOrigin(req, allowed);
  res.setHeader("vary", "Origin");
  if (origin) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  }
  const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
  if (!preflight) return false;
  if (origin) {
    res.setHeader("access-control-allow-methods", ALLOWED_METHODS);
    const requested = req.headers["access-control-request-headers"];
    if (requested) res.setHeader("access-control-allow-headers", requested);
    res.setHeader("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS);
  }
  res.writeHead(204, { "content-length": "0" });
  res.end();
  return true;
}
