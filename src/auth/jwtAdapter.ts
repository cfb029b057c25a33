import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { InvalidTokenError, type AuthAdapter, type Principal } from "./principal.js";

type JwtConfig = {
  secretKey: string | undefined;
  jwksUrl: string | undefined;
  algorithms: string[];
  issuer: string;
  audience: string;
};

function readConfig(config: Record<string, unknown>, envSecret: string | undefined): JwtConfig {
  const str = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
  const secretKey = str("secret_key") ?? envSecret;
  const jwksUrl = str("jwks_url");
  const configured = str("algorithm");
  const algorithms = configured ? [configured] : jwksUrl && !secretKey ? ["RS256", "ES256"] : ["HS256"];
  return { secretKey, jwksUrl, algorithms, issuer: str("issuer") ?? "boards", audience: str("audience") ?? "boards-api" };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** Maps verified claims onto a principal the way Boards' jwt adapter does. */
export function principalFromClaims(provider: string, payload: JWTPayload): Principal {
  if (!text(payload.sub)) throw new InvalidTokenError("Token has no subject (sub) claim");
  return {
    provider,
    subject: payload.sub as string,
    email: text(payload.email),
    displayName: text(payload.name),
    avatarUrl: text(payload.picture),
    claims: { ...payload },
  };
}

/**
 * JWT adapter: HS256 with a shared secret (`BOARDS_JWT_SECRET` or `secret_key`), or RS256/ES256
 * against a JWKS (`jwks_url`). Issuer and audience are checked (defaults `boards` and
 * `boards-api`), as are `exp` and `nbf`. `alg: none` is never accepted.
 */
export function createJwtAdapter(config: Record<string, unknown>, envSecret: string | undefined): AuthAdapter {
  const c = readConfig(config, envSecret);
  let key: Uint8Array | JWTVerifyGetKey;
  if (c.secretKey) key = new TextEncoder().encode(c.secretKey);
  else if (c.jwksUrl) key = createRemoteJWKSet(new URL(c.jwksUrl));
  else throw new Error("jwt auth provider needs BOARDS_JWT_SECRET or jwks_url");

  return {
    name: "jwt",
    acceptsMissingToken: false,
    async verify(token) {
      try {
        const { payload } =
          key instanceof Uint8Array
            ? await jwtVerify(token, key, { algorithms: c.algorithms, issuer: c.issuer, audience: c.audience })
            : await jwtVerify(token, key, { algorithms: c.algorithms, issuer: c.issuer, audience: c.audience });
        return principalFromClaims("jwt", payload);
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError("Token has expired");
        if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(`Invalid token: ${error.code}`);
        throw error;
      }
    },
  };
}
