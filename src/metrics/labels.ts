/**
 * Bounded label values: what a client sends (paths, operation names, error codes) never becomes
 * a label as is, so a scraper's memory and the registry stay small whatever the traffic.
 */

/** Routes of the API as label values: the pattern, never the path (which carries ids and keys). */
export function routeLabel(path: string): string {
  if (path === "/graphql" || path === "/health" || path === "/ready" || path === "/metrics") return path;
  if (path.startsWith("/api/storage/")) return path === "/api/storage/status" ? "/api/storage/status" : "/api/storage/:key";
  if (path.startsWith("/api/uploads")) return "/api/uploads";
  if (/^\/api\/sse\/generations\/[^/]+\/progress$/.test(path)) return "/api/sse/generations/:id/progress";
  if (path.startsWith("/api/setup/")) return "/api/setup";
  if (path.startsWith("/api/tenants/")) return "/api/tenants";
  return "other";
}

/** GraphQL's Name production: what an operation name must look like to become a label. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * Admits the first `limit` distinct names (each at most `maxLength` long and well formed) as
 * label values; every later or malformed one shares `other`, and an absent one is `anonymous`.
 * Per process, for its lifetime: a client sending endless new names gets one series, not many.
 */
export class BoundedNames {
  private readonly admitted = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly maxLength = 100,
    private readonly pattern: RegExp = GRAPHQL_NAME,
  ) {}

  /** The label value for `name`. */
  label(name: string | null | undefined): string {
    if (name === null || name === undefined || name === "") return "anonymous";
    if (this.admitted.has(name)) return name;
    if (name.length > this.maxLength || !this.pattern.test(name) || this.admitted.size >= this.limit) return "other";
    this.admitted.add(name);
    return name;
  }
}

/** Distinct operation names kept as labels per process (the rest are `other`). */
export const MAX_OPERATION_NAMES = 200;

/** Distinct error codes kept as labels per process; codes are SCREAMING_SNAKE_CASE. */
export const MAX_ERROR_CODES = 50;

export const operationNames = new BoundedNames(MAX_OPERATION_NAMES);
export const errorCodes = new BoundedNames(MAX_ERROR_CODES, 64, /^[A-Z][A-Z0-9_]*$/);
