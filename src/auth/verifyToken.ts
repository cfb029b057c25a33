/**
 * Signature and claim checks shared by every token-based adapter, with jose. Unsigned tokens
 * (`alg: none`) are refused before anything else; `exp` and `nbf` are always checked, and
 * issuer and audience when the adapter names them. jose's failures become
 * {@link InvalidTokenError}s with a short reason the client may see.
 */
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import { AuthUnavailableError, InvalidTokenError } from "./principal.js";

/** Asymmetric signature algorithms accepted from key sets; the key itself narrows them further. */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export type VerifyTokenOptions = {
  algorithms: string[];
  issuer?: string | undefined;
  audience?: string | string[] | undefined;
  /** Refuse tokens without `exp` (every adapter for an external provider does). */
  requireExpiry?: boolean | undefined;
};

function reasonOf(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return "Token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `Invalid token: ${error.message}`;
  if (error instanceof errors.JWKSNoMatchingKey) return "Invalid token: no published key matches its kid and alg";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "Invalid token: signature verification failed";
  if (error instanceof errors.JOSEAlgNotAllowed) return "Invalid token: algorithm not allowed";
  return `Invalid token: ${error.code}`;
}

/**
 * Verifies `token` with a secret or a key resolver and returns its payload.
 * @throws {InvalidTokenError} for any unacceptable token.
 * @throws {AuthUnavailableError} when the keys could not be loaded.
 */
export async function verifyToken(token: string, key: Uint8Array | JWTVerifyGetKey, options: VerifyTokenOptions): Promise<JWTPayload> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new InvalidTokenError("Invalid token: not a JWT");
  }
  if (typeof alg !== "string" || alg.toLowerCase() === "none") {
    throw new InvalidTokenError("Invalid token: unsigned tokens (alg none) are not accepted");
  }
  const verifyOptions: JWTVerifyOptions = {
    algorithms: options.algorithms,
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.requireExpiry ? { requiredClaims: ["exp"] } : {}),
  };
  try {
    if (key instanceof Uint8Array) return (await jwtVerify(token, key, verifyOptions)).payload;
    try {
      return (await jwtVerify(token, key, verifyOptions)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      // A token without a kid matches every key of its type: try each in turn.
      for await (const candidate of error) {
        try {
          return (await jwtVerify(token, candidate, verifyOptions)).payload;
        } catch (attempt) {
          if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  } catch (error) {
    if (error instanceof InvalidTokenError || error instanceof AuthUnavailableError) throw error;
    if (error instanceof errors.JOSEError) throw new InvalidTokenError(reasonOf(error));
    throw error;
  }
}
