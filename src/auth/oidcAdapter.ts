import type { OidcSettings } from "./authSettings.js";
import type { CacheTimings } from "./cachedDocument.js";
import { givenAndFamily, text, type Profile } from "./claims.js";
import { createJwksAdapter } from "./jwksAdapter.js";
import { createJwksCache } from "./jwksCache.js";
import { createOidcDiscovery } from "./oidcDiscovery.js";
import type { AuthAdapter } from "./principal.js";

/** Profile of an OIDC token, as Boards maps it: name ← name / given+family / preferred_username. */
export function oidcProfile(claims: Record<string, unknown>): Profile {
  return {
    email: text(claims.email),
    displayName: text(claims.name) ?? givenAndFamily(claims) ?? text(claims.preferred_username),
    avatarUrl: text(claims.picture),
  };
}

/**
 * Generic OpenID Connect adapter. Keys come from the provider's JWKS, found through standard
 * discovery (`{issuer}/.well-known/openid-configuration`) unless `jwks_url` is configured;
 * the algorithm is the one the signing key is published for. Issuer and audience (default: the
 * client id) are checked, as are `exp` (required) and `nbf`.
 */
export function createOidcAdapter(settings: OidcSettings, timings?: Partial<CacheTimings>): AuthAdapter {
  const discovery = settings.jwksUrl ? undefined : createOidcDiscovery(settings.issuer, timings);
  const jwks = createJwksCache({ url: settings.jwksUrl ?? (() => discovery!.jwksUri()), timings });
  return createJwksAdapter({ name: "oidc", getKey: jwks.getKey, issuer: settings.issuer, audience: settings.audience, profile: oidcProfile });
}
