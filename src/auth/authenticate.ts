import type { PrismaClient } from "../db.js";
import { badRequest, unauthenticated } from "../errors.js";
import type { AuthAdapter } from "./principal.js";
import { resolveViewer, type ResolveViewerOptions } from "./resolveViewer.js";
import { extractTenantSlug, InvalidTenantClaimError, InvalidTenantHeaderError, type TenantExtractionOptions } from "./tenantFromClaims.js";
import { isTenantAdmin, type AdminRole } from "./tenantAdmin.js";
import { verifyAuthorization } from "./verifyAuthorization.js";
import type { TenantDirectory } from "./tenantDirectory.js";
import type { Viewer } from "./viewer.js";

export type AuthenticateDeps = {
  prisma: PrismaClient;
  adapter: AuthAdapter;
  options: ResolveViewerOptions;
  tenancy: TenantExtractionOptions;
  /** The claim and value that make a user a tenant admin. */
  adminRole?: AdminRole;
  /** Tenant ids by slug: an anonymous request found there reads nothing. */
  tenantIds?: TenantDirectory | undefined;
};

/**
 * Authenticates one request from its `Authorization` and `X-Tenant` headers.
 *
 * No token means anonymous (except in `none` mode, where it means the dev user); a token that
 * is malformed, invalid or expired is an error, never a silent fallback to anonymous.
 * The tenant comes from the token's claims, else the `X-Tenant` header, else the default
 * (see tenantFromClaims.ts for the order). The viewer carries the token's expiry.
 *
 * @throws UNAUTHENTICATED (HTTP 401) for a rejected token or an invalid tenant claim.
 * @throws BAD_REQUEST (HTTP 400) for an X-Tenant value that is not a valid slug.
 * @throws FORBIDDEN (HTTP 403) for an unknown tenant that may not be created.
 * With `lookUpViewer` false (a request that reads no data), the token and tenant are checked as
 * usual but nothing is read or provisioned: the viewer names the tenant slug only.
 *
 * @throws SERVICE_UNAVAILABLE (HTTP 503) when the identity provider cannot be reached.
 */
export async function authenticate(headers: Headers, deps: AuthenticateDeps, lookUpViewer = true): Promise<Viewer> {
  const principal = await verifyAuthorization(headers.get("authorization"), deps.adapter);
  let slug: string;
  try {
    slug = extractTenantSlug(principal?.claims ?? null, headers.get("x-tenant"), deps.tenancy);
  } catch (error) {
    if (error instanceof InvalidTenantClaimError) throw unauthenticated(error.message, 401);
    if (error instanceof InvalidTenantHeaderError) throw badRequest(error.message);
    throw error;
  }
  if (!lookUpViewer) return { tenantId: null, tenantSlug: slug, user: null, ...(principal?.expiresAt ? { expiresAt: principal.expiresAt } : {}) };
  const resolved = await resolveViewer(deps.prisma, principal, slug, deps.options, deps.tenantIds);
  const viewer = resolved.user && isTenantAdmin(principal, deps.adapter, deps.adminRole) ? { ...resolved, tenantAdmin: true } : resolved;
  return principal?.expiresAt ? { ...viewer, expiresAt: principal.expiresAt } : viewer;
}
