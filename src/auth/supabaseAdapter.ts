import { decodeProtectedHeader } from "jose";
import type { SupabaseSettings } from "./authSettings.js";
import { principalFromPayload, text, type Profile } from "./claims.js";
import { createJwksCache } from "./jwksCache.js";
import { InvalidTokenError, type AuthAdapter } from "./principal.js";
import { ASYMMETRIC_ALGORITHMS, verifyToken } from "./verifyToken.js";

/**
 * Profile of a Supabase access token: email ← email; name ← user_metadata.display_name /
 * full_name / name; avatar ← user_metadata.avatar_url.
 */
export function supabaseProfile(claims: Record<string, unknown>): Profile {
  const meta = claims.user_metadata && typeof claims.user_metadata === "object" ? (claims.user_metadata as Record<string, unknown>) : {};
  return {
    email: text(claims.email),
    displayName: text(meta.display_name) ?? text(meta.full_name) ?? text(meta.name),
    avatarUrl: text(meta.avatar_url),
  };
}

/**
 * Supabase adapter: access tokens are verified locally, with no call to Supabase per request.
 * Projects with asymmetric signing keys publish them at `{url}/auth/v1/.well-known/jwks.json`;
 * projects still on the legacy shared secret sign HS256 with the project JWT secret
 * (`BOARDS_SUPABASE_JWT_SECRET`), accepted only when it is configured. Issuer `{url}/auth/v1`,
 * audience `authenticated` (so anon and service-role keys are not user tokens).
 */
export function createSupabaseAdapter(settings: SupabaseSettings): AuthAdapter {
  const jwks = createJwksCache({ url: settings.jwksUrl });
  const secret = settings.jwtSecret ? new TextEncoder().encode(settings.jwtSecret) : undefined;
  return {
    name: "supabase",
    acceptsMissingToken: false,
    async verify(token) {
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw new InvalidTokenError("Invalid token: not a JWT");
      }
      // The secret verifies HS256 only, and key-set keys never verify HMAC: no algorithm confusion.
      const symmetric = alg === "HS256";
      if (symmetric && !secret) throw new InvalidTokenError("Invalid token: HS256 tokens are not accepted (no project JWT secret configured)");
      const payload = await verifyToken(token, symmetric && secret ? secret : jwks.getKey, {
        algorithms: symmetric ? ["HS256"] : ASYMMETRIC_ALGORITHMS,
        issuer: settings.issuer,
        audience: settings.audience,
        requireExpiry: true,
      });
      return principalFromPayload("supabase", payload, supabaseProfile);
    },
  };
}
