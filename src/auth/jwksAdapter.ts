import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { principalFromPayload, type Profile } from "./claims.js";
import type { AuthAdapter } from "./principal.js";
import { ASYMMETRIC_ALGORITHMS, verifyToken } from "./verifyToken.js";

/**
 * The shape shared by identity providers that publish a JWKS (OIDC, Auth0, Clerk): verify an
 * asymmetric token (issuer, audience, required `exp`), run any provider-specific check, and map
 * the claims to a principal.
 */
export function createJwksAdapter(options: {
  name: string;
  getKey: JWTVerifyGetKey;
  issuer: string | undefined;
  audience: string | string[] | undefined;
  profile: (claims: Record<string, unknown>) => Profile;
  /** Throws InvalidTokenError for a verified token the provider's own rules refuse. */
  check?: (payload: JWTPayload) => void;
}): AuthAdapter {
  return {
    name: options.name,
    acceptsMissingToken: false,
    async verify(token) {
      const payload = await verifyToken(token, options.getKey, {
        algorithms: ASYMMETRIC_ALGORITHMS,
        issuer: options.issuer,
        audience: options.audience,
        requireExpiry: true,
      });
      options.check?.(payload);
      return principalFromPayload(options.name, payload, options.profile);
    },
  };
}
