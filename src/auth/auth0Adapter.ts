import type { Auth0Settings } from "./authSettings.js";
import { givenAndFamily, principalFromPayload, text, type Profile } from "./claims.js";
import { createJwksCache } from "./jwksCache.js";
import type { AuthAdapter } from "./principal.js";
import { ASYMMETRIC_ALGORITHMS, verifyToken } from "./verifyToken.js";

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
  return {
    name: "auth0",
    acceptsMissingToken: false,
    async verify(token) {
      const payload = await verifyToken(token, jwks.getKey, {
        algorithms: ASYMMETRIC_ALGORITHMS,
        issuer: settings.issuer,
        audience: settings.audience,
        requireExpiry: true,
      });
      return principalFromPayload("auth0", payload, auth0Profile);
    },
  };
}
