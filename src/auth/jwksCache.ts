/**
 * An identity provider's signing keys (JWKS), fetched once and cached (see cachedDocument.ts
 * for lifetimes, timeouts and failure handling). A token naming a key id the cached set lacks
 * triggers one refetch, so key rotation needs no restart; further refetches for unknown key ids
 * wait out a cooldown, so a flood of made-up `kid`s cannot hammer the provider.
 *
 * Only public asymmetric keys are kept, and a key is used only for an algorithm it fits (its
 * `alg` when it states one, else its key type and curve): jose's local key set does the matching.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";
import { createCachedDocument, DEFAULT_CACHE_TIMINGS, type CacheTimings } from "./cachedDocument.js";

export type JwksCacheOptions = {
  /** JWKS URL, or a function resolving it (OIDC discovery). */
  url: string | (() => Promise<string>);
  /** Extra request headers (e.g. a credential some providers require). */
  headers?: Record<string, string> | undefined;
  /** Minimum spacing of refetches caused by unknown key ids (default 30 s). */
  unknownKidCooldownMs?: number | undefined;
  timings?: Partial<CacheTimings> | undefined;
};

export type JwksCache = {
  /** Key resolver for `jwtVerify`. */
  getKey: JWTVerifyGetKey;
};

const PUBLIC_KEY_TYPES = new Set(["RSA", "EC", "OKP"]);

/** The usable members of a fetched key set: public RSA, EC and OKP keys. */
export function usableKeys(body: unknown): JSONWebKeySet {
  const keys = body && typeof body === "object" ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error("not a JSON Web Key Set (no keys array)");
  return {
    keys: keys.filter(
      (key): key is JWK =>
        !!key &&
        typeof key === "object" &&
        PUBLIC_KEY_TYPES.has(String((key as JWK).kty)) &&
        // Private key material has no business in a published set; never use such an entry.
        !("d" in key),
    ),
  };
}

/** Creates the cache; the first key lookup fetches the set. */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const now = options.timings?.now ?? DEFAULT_CACHE_TIMINGS.now;
  const cooldown = options.unknownKidCooldownMs ?? 30_000;
  const document = createCachedDocument({
    what: "JWKS",
    url: options.url,
    headers: { accept: "application/jwk-set+json, application/json", ...options.headers },
    timings: options.timings,
    parse: (body) => createLocalJWKSet(usableKeys(body)),
  });
  let lastUnknownKidRefetch = Number.NEGATIVE_INFINITY;

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (typeof header.alg !== "string" || header.alg.toLowerCase() === "none") {
      throw new errors.JOSEAlgNotAllowed("unsigned tokens are not accepted");
    }
    const keys = await document.get();
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || now() - lastUnknownKidRefetch < cooldown) throw error;
      lastUnknownKidRefetch = now();
      let fresh: typeof keys;
      try {
        fresh = await document.refresh();
      } catch {
        throw error;
      }
      return fresh(header, token);
    }
  };
  return { getKey };
}
