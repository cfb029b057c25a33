/**
 * Helpers for turning verified token claims into a {@link Principal}: every adapter requires a
 * non-blank `sub`, keeps the claims, records the expiry, and maps profile fields its own way.
 */
import type { JWTPayload } from "jose";
import { InvalidTokenError, type Principal } from "./principal.js";

/** A non-blank string claim, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** "Given Family" from the two name claims, when the given name is present. */
export function givenAndFamily(claims: Record<string, unknown>): string | undefined {
  const given = text(claims.given_name);
  if (!given) return undefined;
  return `${given} ${text(claims.family_name) ?? ""}`.trim();
}

export type Profile = Pick<Principal, "email" | "displayName" | "avatarUrl">;

/**
 * The principal for `payload` as `provider` maps it.
 * @throws {InvalidTokenError} when the token has no usable subject.
 */
export function principalFromPayload(provider: string, payload: JWTPayload, profile: (claims: Record<string, unknown>) => Profile): Principal {
  const subject = text(payload.sub);
  if (!subject) throw new InvalidTokenError("Token has no subject (sub) claim");
  const claims: Record<string, unknown> = { ...payload };
  return {
    provider,
    subject,
    ...profile(claims),
    claims,
    expiresAt: typeof payload.exp === "number" ? new Date(payload.exp * 1000) : undefined,
  };
}
