/** Who an auth adapter says the caller is, before the user is looked up in a tenant. */
export type Principal = {
  /** Adapter name recorded as `users.auth_provider` (`none`, `jwt`, `oidc`, `auth0`, `clerk`, `supabase`). */
  provider: string;
  /** Stable subject at the provider (`sub`). */
  subject: string;
  email?: string | undefined;
  displayName?: string | undefined;
  avatarUrl?: string | undefined;
  /** Verified token claims (never the token itself). */
  claims: Record<string, unknown>;
  /** When the credential stops being valid (`exp`); long-lived operations end then. */
  expiresAt?: Date | undefined;
};

/**
 * Contract of an auth adapter: turn a bearer token into a principal.
 * Implementations throw {@link InvalidTokenError} for a token they reject, and
 * {@link AuthUnavailableError} when they cannot decide (the identity provider is unreachable).
 */
export interface AuthAdapter {
  readonly name: string;
  /** Whether a request without an Authorization header is still a known user (dev mode). */
  readonly acceptsMissingToken: boolean;
  verify(token: string): Promise<Principal>;
}

/** A token was presented and is not acceptable (expired, bad signature, wrong audience, …). */
export class InvalidTokenError extends Error {}

/**
 * The token could not be checked: the identity provider's keys or discovery document could not
 * be fetched or are unusable. Not the caller's fault, so it is not a 401.
 */
export class AuthUnavailableError extends Error {}
