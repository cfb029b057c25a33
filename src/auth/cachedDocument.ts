/**
 * A JSON document fetched from an identity provider (a JWKS, an OIDC discovery document) and
 * kept for as long as the provider's `Cache-Control: max-age` says, within bounds, so verifying
 * a token costs no request in the common case. Concurrent callers share one fetch; a failed
 * refresh keeps serving the last good value, and failures are not retried for a short while so
 * an unreachable provider is not hammered by every incoming request.
 */
import { AuthUnavailableError } from "./principal.js";

export type CacheTimings = {
  /** Lifetime when the response has no usable max-age (default 10 min). */
  defaultTtlMs: number;
  /** Lower bound on the lifetime, whatever the provider says (default 1 min). */
  minTtlMs: number;
  /** Upper bound on the lifetime (default 24 h). */
  maxTtlMs: number;
  /** Wait after a failed fetch before trying again (default 5 s). */
  failureBackoffMs: number;
  /** Per-request timeout (default 5 s). */
  timeoutMs: number;
  /** Largest accepted response body (default 512 KiB). */
  maxBytes: number;
  /** Clock (milliseconds), replaceable in tests. */
  now: () => number;
};

export const DEFAULT_CACHE_TIMINGS: CacheTimings = {
  defaultTtlMs: 10 * 60_000,
  minTtlMs: 60_000,
  maxTtlMs: 24 * 60 * 60_000,
  failureBackoffMs: 5_000,
  timeoutMs: 5_000,
  maxBytes: 512 * 1024,
  now: () => Date.now(),
};

export type CachedDocumentOptions<T> = {
  /** What is fetched, for error messages ("JWKS", "OpenID configuration"). */
  what: string;
  /** The URL, or a function resolving it (it may change, e.g. after rediscovery). */
  url: string | (() => Promise<string>);
  /** Turns the parsed JSON into the cached value; throws to reject the document. */
  parse: (body: unknown, url: string) => T;
  headers?: Record<string, string> | undefined;
  timings?: Partial<CacheTimings> | undefined;
};

export type CachedDocument<T> = {
  /** The cached value, fetched first when missing or expired. */
  get(): Promise<T>;
  /** Fetches the document now (callers arriving meanwhile share the request). */
  refresh(): Promise<T>;
};

/**
 * Lifetime in milliseconds from a Cache-Control header: `max-age` (seconds), zero for `no-store`
 * / `no-cache`, undefined when absent or unparsable. Bounds are applied by the caller.
 */
export function maxAgeMs(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  let result: number | undefined;
  for (const directive of cacheControl.toLowerCase().split(",")) {
    const [name, value] = directive.trim().split("=", 2).map((part) => part.trim());
    if (name === "no-store" || name === "no-cache") return 0;
    if (name === "max-age" && value !== undefined && /^"?\d+"?$/.test(value)) result = Number(value.replace(/"/g, "")) * 1000;
  }
  return result;
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Creates the cache; nothing is fetched until the first `get()`. */
export function createCachedDocument<T>(options: CachedDocumentOptions<T>): CachedDocument<T> {
  const t: CacheTimings = { ...DEFAULT_CACHE_TIMINGS, ...options.timings };
  const resolveUrl = typeof options.url === "string" ? ((url) => async () => url)(options.url) : options.url;
  let current: { url: string; value: T; expiresAt: number } | undefined;
  let pending: { url: string; promise: Promise<T> } | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastFailure = "";

  async function fetchOnce(url: string): Promise<T> {
    try {
      const response = await fetch(url, {
        headers: { accept: "application/json", ...options.headers },
        // A redirect could lead to plain http or another host; providers publish stable URLs.
        redirect: "error",
        signal: AbortSignal.timeout(t.timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      const body: unknown = JSON.parse(await readLimited(response, t.maxBytes));
      const value = options.parse(body, url);
      const ttl = Math.min(t.maxTtlMs, Math.max(t.minTtlMs, maxAgeMs(response.headers.get("cache-control")) ?? t.defaultTtlMs));
      current = { url, value, expiresAt: t.now() + ttl };
      return value;
    } catch (error) {
      failedAt = t.now();
      lastFailure = error instanceof Error ? error.message : String(error);
      throw new AuthUnavailableError(`Could not load the ${options.what} from ${url}: ${lastFailure}`);
    }
  }

  function refreshFrom(url: string): Promise<T> {
    if (pending?.url === url) return pending.promise;
    const promise = fetchOnce(url).finally(() => {
      if (pending?.promise === promise) pending = undefined;
    });
    pending = { url, promise };
    return promise;
  }

  return {
    async get() {
      const url = await resolveUrl();
      const usable = current?.url === url ? current : undefined;
      if (usable && t.now() < usable.expiresAt) return usable.value;
      if (t.now() - failedAt < t.failureBackoffMs) {
        if (usable) return usable.value;
        throw new AuthUnavailableError(`Could not load the ${options.what} from ${url}: ${lastFailure}`);
      }
      try {
        return await refreshFrom(url);
      } catch (error) {
        // A stale document beats none while the provider is unreachable.
        if (usable) return usable.value;
        throw error;
      }
    },
    async refresh() {
      return refreshFrom(await resolveUrl());
    },
  };
}
