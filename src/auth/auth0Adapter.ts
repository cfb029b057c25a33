import type { Auth0Settings } from "./authSettings.js";
import { givenAndFamily, text, type Profile } from "./claims.js";
import { createJwksAdapter } from "./jwksAdapter.js";
import { createJwksCache } from "./jwksCache.js";
import type { AuthAdapter } from "./principal.js";

/** Profile of an Auth0 token, as Boards maps it: name ← name / given+family / nickname. */
export function auth0Profile(claims: Record<string, unknown>): Profile {
  return {
    email: text(claims.email),
    displayName: text(claims.name) ?? givenAndFamily(claims) ?? text(claims.nickname),
    avatarUrl: text(claims.picture),
  };
}

/**
 * Auth0 adapter: keys from `https://{domain}/.well-known/jwks.json`, issuer
 * `https://{domain}/`, audience the API identifier (`AUTH0_AUDIENCE`); `issuer` and `jwks_url`
 * in BOARDS_AUTH_CONFIG override the derived values (custom domains, tests).
 */
export function createAuth0Adapter(settings: Auth0Settings): AuthAdapter {
  const jwks = createJwksCache({ url: settings.jwksUrl });
  return createJwksAdapter({ name: "auth0", getKey: jwks.getKey, issuer: settings.issuer, audience: settings.audience, profile: auth0Profile });
}
