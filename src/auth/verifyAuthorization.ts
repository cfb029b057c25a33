import { serviceUnavailable, unauthenticated } from "../errors.js";
import { requestStore } from "../requestContext.js";
import { AuthUnavailableError, InvalidTokenError, type AuthAdapter, type Principal } from "./principal.js";

/**
 * The principal behind an `Authorization` header value: null without one (anonymous), except in
 * `none` mode, where it is the dev user.
 *
 * @throws UNAUTHENTICATED (HTTP 401) for a malformed header or a rejected token.
 * @throws SERVICE_UNAVAILABLE (HTTP 503) when the identity provider's keys cannot be loaded.
 */
export async function verifyAuthorization(header: string | null | undefined, adapter: AuthAdapter): Promise<Principal | null> {
  if (header === null || header === undefined || header.trim() === "") {
    return adapter.acceptsMissingToken ? adapter.verify("") : null;
  }
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
  if (!match) throw unauthenticated("Invalid authorization format. Expected: Bearer <token>", 401);
  const token = (match[1] ?? "").trim();
  if (token === "") throw unauthenticated("Empty token", 401);
  try {
    return await adapter.verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(error.message, 401);
    if (error instanceof AuthUnavailableError) {
      // The detail (which URL, what failed) is for operators, not callers.
      requestStore.getStore()?.logger.warn({ reason: error.message }, "identity provider unavailable");
      throw serviceUnavailable("Authentication is temporarily unavailable");
    }
    throw error;
  }
}
