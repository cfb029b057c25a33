/**
 * Helpers for turning verified token claims into a {@link Principal}: every adapter requires a
 * non-blank `sub`, keeps the claims, records the expiry, and maps profile fields its own way.
 */
import type { JWTPayload } from "jose";
import { describeInputProblem, inputProblem, MAX_JSON_DEPTH } from "../lib/inputProblem.js";
import { InvalidTokenError, type Principal } from "./principal.js";

/** Longest accepted identity and tenant claims (the columns they land in hold 255 characters). */
export const MAX_CLAIM_CHARS = 255;
/** Longest accepted `picture` claim (an avatar URL). */
export const MAX_PICTURE_CHARS = 2048;
/** Longest accepted claim set, serialized (it is kept with a new user's row). */
export const MAX_CLAIMS_CHARS = 16_384;

const BOUNDED_CLAIMS = ["sub", "email", "name", "given_name", "family_name", "preferred_username", "nickname", "tenant", "org", "org_slug", "org_name", "namespace", "group", "team", "workspace"];

/**
 * Refuses claim sets the database could not store or that no identity provider issues:
 * identity and tenant claims over 255 characters, a `picture` over 2048, NUL characters or
 * lone surrogates anywhere, nesting deeper than 32 levels, more than 16 KiB in all.
 */
function checkClaimBounds(payload: Record<string, unknown>): void {
  for (const name of BOUNDED_CLAIMS) {
    const value = payload[name];
    if (typeof value === "string" && value.length > MAX_CLAIM_CHARS) throw new InvalidTokenError(`Invalid token: ${name} claim longer than ${MAX_CLAIM_CHARS} characters`);
  }
  if (typeof payload.picture === "string" && payload.picture.length > MAX_PICTURE_CHARS) throw new InvalidTokenError(`Invalid token: picture claim longer than ${MAX_PICTURE_CHARS} characters`);
  const problem = inputProblem(payload, MAX_JSON_DEPTH);
  if (problem) throw new InvalidTokenError(`Invalid token: claims: ${describeInputProblem(problem)}`);
  if (JSON.stringify(payload).length > MAX_CLAIMS_CHARS) throw new InvalidTokenError(`Invalid token: claims longer than ${MAX_CLAIMS_CHARS} characters`);
}

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
 * @throws {InvalidTokenError} when the token has no usable subject or its claims are out of bounds.
 */
export function principalFromPayload(provider: string, payload: JWTPayload, profile: (claims: Record<string, unknown>) => Profile): Principal {
  checkClaimBounds(payload);
  const subject = text(payload.sub);
  if (!subject) throw new InvalidTokenError("Token has no subject (sub) claim");
  const claims: Record<string, unknown> = { ...payload };
  const mapped = profile(claims);
  // Providers may build a field from several claims (given + family name).
  for (const [field, limit] of [["email", MAX_CLAIM_CHARS], ["displayName", MAX_CLAIM_CHARS], ["avatarUrl", MAX_PICTURE_CHARS]] as const) {
    if ((mapped[field]?.length ?? 0) > limit) throw new InvalidTokenError(`Invalid token: ${field} longer than ${limit} characters`);
  }
  return {
    provider,
    subject,
    ...mapped,
    claims,
    expiresAt: typeof payload.exp === "number" ? new Date(payload.exp * 1000) : undefined,
  };
}
