/**
 * Which tenant a request belongs to, in the order Boards uses (first hit wins):
 *
 * 1. the `tenant` claim, which must already be a valid slug (else the token is refused);
 * 2. an organisation claim — `org`, `organization`, `org_slug`, `org_name` — normalised into a
 *    slug (object values use their `slug`, `id` or `name`);
 * 3. the custom claim named by BOARDS_JWT_TENANT_CLAIM, normalised;
 * 4. in multi-tenant mode only, the tenant the e-mail's domain is mapped to in
 *    BOARDS_TENANT_EMAIL_DOMAINS (whole domain, any case), when `email_verified` is true;
 * 5. a namespace claim — `namespace`, `group`, `team`, `workspace` — normalised;
 * 6. the X-Tenant header (which must be a valid slug);
 * 7. the default tenant slug.
 *
 * Unlike Boards, a claim that normalises to nothing (say `"!!!"`) is skipped rather than
 * mapped to a tenant called `unknown`; and the e-mail domain picks a tenant only through the
 * configured map: Boards took the domain's first label, so anyone able to receive mail at
 * `acme.attacker.example` (or to claim an unverified address) landed in tenant `acme`.
 */
import { isValidTenantSlug } from "../lib/tenantSlug.js";

export type TenantExtractionOptions = {
  multiTenantMode: boolean;
  /** BOARDS_JWT_TENANT_CLAIM. */
  customClaim: string | undefined;
  defaultTenantSlug: string;
  /** BOARDS_TENANT_EMAIL_DOMAINS: lower-case e-mail domain → tenant slug. */
  emailDomainTenants: ReadonlyMap<string, string>;
};

/** The token's `tenant` claim is present but not a valid slug. */
export class InvalidTenantClaimError extends Error {}

/** The X-Tenant value is not a valid slug (HTTP refuses it earlier; WebSocket params land here). */
export class InvalidTenantHeaderError extends Error {}

const ORGANIZATION_CLAIMS = ["org", "organization", "org_slug", "org_name"];
const NAMESPACE_CLAIMS = ["namespace", "group", "team", "workspace"];
const MAX_NORMALIZED_LENGTH = 50;

/**
 * A claim value as a tenant slug, as Boards normalises it: lower case, every character outside
 * `[a-z0-9-]` becomes a hyphen, runs of hyphens collapse, no hyphen at either end, at most 50
 * characters. Objects contribute their `slug`, `id` or `name`; undefined when nothing usable.
 */
export function normalizeTenantSlug(value: unknown): string | undefined {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    return normalizeTenantSlug(object.slug || object.id || object.name);
  }
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const slug = String(value)
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, MAX_NORMALIZED_LENGTH)
    .replace(/-+$/, "");
  return slug === "" ? undefined : slug;
}

/**
 * The tenant mapped to the domain of a verified e-mail address (`email_verified` true), by
 * whole-domain, case-insensitive match; undefined otherwise.
 */
export function tenantFromEmail(claims: Record<string, unknown>, domains: ReadonlyMap<string, string>): string | undefined {
  const email = claims.email;
  if (typeof email !== "string" || domains.size === 0) return undefined;
  // Some providers (Cognito) send the flag as a string.
  if (claims.email_verified !== true && claims.email_verified !== "true") return undefined;
  const at = email.lastIndexOf("@");
  if (at <= 0) return undefined;
  return domains.get(email.slice(at + 1).toLowerCase());
}

/** Boards reads a claim only when it is "truthy". */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "" && value !== 0 && value !== false;
}

function firstNormalized(claims: Record<string, unknown>, names: string[]): string | undefined {
  for (const name of names) {
    if (!present(claims[name])) continue;
    const slug = normalizeTenantSlug(claims[name]);
    if (slug) return slug;
  }
  return undefined;
}

/**
 * The tenant slug of a request from the verified claims (null for anonymous callers), the
 * X-Tenant header and the configuration.
 * @throws {InvalidTenantClaimError} when the `tenant` claim is present but not a valid slug.
 * @throws {InvalidTenantHeaderError} when the header is given but not a valid slug.
 */
export function extractTenantSlug(claims: Record<string, unknown> | null, header: string | null, options: TenantExtractionOptions): string {
  const named = header?.trim();
  if (named && !isValidTenantSlug(named)) throw new InvalidTenantHeaderError("Invalid X-Tenant header format");
  const fallback = named || options.defaultTenantSlug;
  if (!claims) return fallback;

  const tenant = claims.tenant;
  if (tenant !== undefined && tenant !== null) {
    // Stricter than Boards for falsy values: an empty or non-string tenant claim is a broken token.
    if (typeof tenant !== "string" || !isValidTenantSlug(tenant)) throw new InvalidTenantClaimError("Token has an invalid tenant claim");
    return tenant;
  }
  const organization = firstNormalized(claims, ORGANIZATION_CLAIMS);
  if (organization) return organization;
  if (options.customClaim) {
    const custom = firstNormalized(claims, [options.customClaim]);
    if (custom) return custom;
  }
  if (options.multiTenantMode) {
    const fromEmail = tenantFromEmail(claims, options.emailDomainTenants);
    if (fromEmail) return fromEmail;
  }
  return firstNormalized(claims, NAMESPACE_CLAIMS) ?? fallback;
}
