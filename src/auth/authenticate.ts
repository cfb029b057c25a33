import type { PrismaClient } from "../db.js";
import { unauthenticated } from "../errors.js";
import { isValidTenantSlug } from "../lib/tenantSlug.js";
import { InvalidTokenError, type AuthAdapter, type Principal } from "./principal.js";
import { resolveViewer, type ResolveViewerOptions } from "./resolveViewer.js";
import type { Viewer } from "./viewer.js";

export type AuthenticateDeps = {
  prisma: PrismaClient;
  adapter: AuthAdapter;
  options: ResolveViewerOptions;
};

/**
 * Authenticates one request from its `Authorization` and `X-Tenant` headers.
 *
 * No token means anonymous (except in `none` mode, where it means the dev user); a token that
 * is malformed, invalid or expired is an error, never a silent fallback to anonymous.
 * The tenant is the token's `tenant` claim, else the `X-Tenant` header, else the default.
 *
 * @throws UNAUTHENTICATED (HTTP 401) for a rejected token.
 */
export async function authenticate(headers: Headers, deps: AuthenticateDeps): Promise<Viewer> {
  const principal = await verifyAuthorization(headers.get("authorization"), deps.adapter);
  const slug = tenantSlugFor(principal, headers.get("x-tenant"), deps.options.defaultTenantSlug);
  return resolveViewer(deps.prisma, principal, slug, deps.options);
}

async function verifyAuthorization(header: string | null, adapter: AuthAdapter): Promise<Principal | null> {
  if (header === null || header.trim() === "") {
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
    throw error;
  }
}

function tenantSlugFor(principal: Principal | null, header: string | null, fallback: string): string {
  const claim = principal?.claims.tenant;
  if (claim !== undefined && claim !== null) {
    if (typeof claim !== "string" || !isValidTenantSlug(claim)) {
      throw unauthenticated("Token has an invalid tenant claim", 401);
    }
    return claim;
  }
  // The HTTP layer has already refused malformed X-Tenant values.
  return header?.trim() || fallback;
}
