/**
 * OpenID Connect discovery: `{issuer}/.well-known/openid-configuration`, fetched on first use
 * and cached like a JWKS. The document must name exactly the configured issuer (OpenID Connect
 * Discovery §4.3), or a provider could speak for another; its `jwks_uri` must be https (http
 * only on loopback hosts).
 */
import { endpointUrlProblem } from "../lib/secureUrl.js";
import { createCachedDocument, type CacheTimings } from "./cachedDocument.js";

export type OidcDiscovery = {
  /** The provider's JWKS URL, from the (cached) discovery document. */
  jwksUri(): Promise<string>;
};

/** The discovery document URL of `issuer` (a trailing slash of the issuer is not doubled). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** Discovery for `issuer`; nothing is fetched until the first `jwksUri()`. */
export function createOidcDiscovery(issuer: string, timings?: Partial<CacheTimings>): OidcDiscovery {
  const document = createCachedDocument({
    what: "OpenID configuration",
    url: discoveryUrl(issuer),
    timings,
    parse: (body) => {
      const config = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
      if (config.issuer !== issuer) {
        throw new Error(`its issuer ${JSON.stringify(config.issuer)} is not the configured issuer ${JSON.stringify(issuer)}`);
      }
      const jwksUri = config.jwks_uri;
      if (typeof jwksUri !== "string") throw new Error("it has no jwks_uri");
      const problem = endpointUrlProblem(jwksUri);
      if (problem) throw new Error(`its jwks_uri ${problem}`);
      return jwksUri;
    },
  });
  return { jwksUri: () => document.get() };
}
