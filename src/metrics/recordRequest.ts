/** Per-request HTTP metrics, recorded by app.ts once each answer is over. */
import { routeLabel } from "./labels.js";
import { httpRequestDuration, httpRequests } from "./metrics.js";

/** Methods kept as label values; anything else a client invents is `other`. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Counts one answered HTTP request in `boards_http_requests_total` and its duration histogram. */
export function recordRequest(method: string | undefined, path: string, status: number, durationMs: number): void {
  const labels = { method: method && METHODS.has(method) ? method : "other", route: routeLabel(path), status: String(status) };
  httpRequests.inc(labels);
  httpRequestDuration.observe(labels, durationMs / 1000);
}
