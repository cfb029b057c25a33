import { CLERK_BACKEND_API_HOSTS, type ClerkSettings } from "./authSettings.js";
import { givenAndFamily, text, type Profile } from "./claims.js";
import { createJwksAdapter } from "./jwksAdapter.js";
import { createJwksCache } from "./jwksCache.js";
import { InvalidTokenError, type AuthAdapter } from "./principal.js";

/**
 * Profile of a Clerk session token, as Boards maps it: email ← email or the first of
 * email_addresses; name ← given+family or name; avatar ← picture.
 */
export function clerkProfile(claims: Record<string, unknown>): Profile {
  const addresses = Array.isArray(claims.email_addresses) ? (claims.email_addresses as unknown[]) : [];
  const first = addresses[0] && typeof addresses[0] === "object" ? (addresses[0] as Record<string, unknown>) : {};
  return {
    email: text(claims.email) ?? text(first.email_address),
    displayName: givenAndFamily(claims) ?? text(claims.name),
    avatarUrl: text(claims.picture),
  };
}

/**
 * The credential to send with the JWKS request: Clerk's Backend API (api.clerk.com / .dev)
 * requires the secret key; it is never sent anywhere else (a Frontend API JWKS is public).
 */
export function clerkJwksHeaders(jwksUrl: string, secretKey: string | undefined): Record<string, string> {
  if (!secretKey) return {};
  const url = new URL(jwksUrl);
  return url.protocol === "https:" && CLERK_BACKEND_API_HOSTS.has(url.hostname.toLowerCase()) ? { authorization: `Bearer ${secretKey}` } : {};
}

/**
 * Clerk adapter: session tokens verified locally against the instance's JWKS (default
 * `https://api.clerk.dev/v1/jwks`, as in Boards). Clerk session tokens carry no audience, so
 * issuer and audience are checked only when configured (`issuer`, `audience`); with
 * `authorized_parties`, a token's `azp` (the origin it was issued to) must be one of them (a
 * token without `azp` passes, as in Clerk's own SDK).
 */
export function createClerkAdapter(settings: ClerkSettings): AuthAdapter {
  const jwks = createJwksCache({ url: settings.jwksUrl, headers: clerkJwksHeaders(settings.jwksUrl, settings.secretKey) });
  return createJwksAdapter({
    name: "clerk",
    getKey: jwks.getKey,
    issuer: settings.issuer,
    audience: settings.audience,
    profile: clerkProfile,
    check(payload) {
      const azp = payload.azp;
      if (settings.authorizedParties.length > 0 && azp !== undefined) {
        if (typeof azp !== "string" || !settings.authorizedParties.includes(azp)) {
          throw new InvalidTokenError("Invalid token: unexpected \"azp\" claim value");
        }
      }
    },
  });
}
