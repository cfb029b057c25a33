import type { JWTVerifyGetKey } from "jose";
import { principalFromPayload, text } from "./claims.js";
import { createJwksCache } from "./jwksCache.js";
import type { AuthAdapter } from "./principal.js";
import { verifyToken } from "./verifyToken.js";

type JwtConfig = {
  secretKey: string | undefined;
  jwksUrl: string | undefined;
  algorithms: string[];
  issuer: string;
  audience: string;
  requireExpiry: boolean;
};

function readConfig(config: Record<string, unknown>, envSecret: string | undefined): JwtConfig {
  const str = (key: string) => text(config[key]);
  const secretKey = str("secret_key") ?? envSecret;
  const jwksUrl = str("jwks_url");
  const configured = str("algorithm");
  const algorithms = configured ? [configured] : jwksUrl && !secretKey ? ["RS256", "ES256"] : ["HS256"];
  return { secretKey, jwksUrl, algorithms, issuer: str("issuer") ?? "boards", audience: str("audience") ?? "boards-api", requireExpiry: config.require_exp !== false };
}

/**
 * JWT adapter: HS256 with a shared secret (`BOARDS_JWT_SECRET` or `secret_key`), or RS256/ES256
 * against a JWKS (`jwks_url`, cached as for the other providers). Issuer and audience are
 * checked (defaults `boards` and `boards-api`), as are `exp` and `nbf`; a token without `exp` is
 * refused unless `require_exp` is `false`. `alg: none` is never accepted. Claims map as in Boards: email ← `email`, name ← `name`, avatar ← `picture`.
 */
export function createJwtAdapter(config: Record<string, unknown>, envSecret: string | undefined): AuthAdapter {
  const c = readConfig(config, envSecret);
  let key: Uint8Array | JWTVerifyGetKey;
  if (c.secretKey) key = new TextEncoder().encode(c.secretKey);
  else if (c.jwksUrl) key = createJwksCache({ url: c.jwksUrl }).getKey;
  else throw new Error("jwt auth provider needs BOARDS_JWT_SECRET or jwks_url");

  return {
    name: "jwt",
    acceptsMissingToken: false,
    async verify(token) {
      const payload = await verifyToken(token, key, {
        algorithms: c.algorithms,
        issuer: c.issuer,
        audience: c.audience,
        requireExpiry: c.requireExpiry,
      });
      return principalFromPayload("jwt", payload, (claims) => ({
        email: text(claims.email),
        displayName: text(claims.name),
        avatarUrl: text(claims.picture),
      }));
    },
  };
}
