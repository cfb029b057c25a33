import type { PrismaClient } from "../db.js";
import { Prisma } from "../generated/prisma/client.js";
import { forbidden } from "../errors.js";
import { queryRows } from "../queryRows.js";
import type { Principal } from "./principal.js";
import type { TenantDirectory } from "./tenantDirectory.js";
import type { Viewer } from "./viewer.js";

type Lookup = {
  tenant_id: string;
  user_id: string | null;
  email: string | null;
  display_name: string | null;
  avatar_url: string | null;
  metadata: Prisma.JsonValue;
  created_at: Date | null;
  updated_at: Date | null;
};

export type ResolveViewerOptions = {
  /** Create a tenant the first time an authenticated caller names it (single-tenant mode). */
  autoCreateTenant: boolean;
  defaultTenantSlug: string;
  defaultTenantName: string;
};

/**
 * Finds (or provisions, just in time) the tenant and user behind a request.
 *
 * The common case, a known user in a known tenant, is one SQL statement; an anonymous caller
 * whose tenant is in `tenantIds` costs none. A new principal gets a
 * user row per (tenant, provider, subject); on later sign-ins empty profile fields are filled but
 * never overwritten. Anonymous callers never create anything: an unknown tenant simply shows
 * them nothing.
 *
 * @throws FORBIDDEN (HTTP 403) when the tenant does not exist and may not be created.
 */
export async function resolveViewer(
  prisma: PrismaClient,
  principal: Principal | null,
  tenantSlug: string,
  options: ResolveViewerOptions,
  tenantIds?: TenantDirectory,
): Promise<Viewer> {
  const known = principal ? undefined : tenantIds?.idOf(tenantSlug);
  if (known) return { tenantId: known, tenantSlug, user: null };
  const ticket = tenantIds?.ticket();
  const rows = await queryRows<Lookup>(prisma, Prisma.sql`
    SELECT t.id AS tenant_id, u.id AS user_id, u.email, u.display_name, u.avatar_url, u.metadata, u.created_at, u.updated_at
    FROM tenants t
    LEFT JOIN users u ON u.tenant_id = t.id AND u.auth_provider = ${principal?.provider ?? null}
      AND u.auth_subject = ${principal?.subject ?? null}
    WHERE t.slug = ${tenantSlug}`);
  const found = rows[0];
  if (found && tenantIds && ticket !== undefined) tenantIds.remember(tenantSlug, found.tenant_id, ticket);

  if (!found && !options.autoCreateTenant) throw forbidden(`Unknown tenant '${tenantSlug}'`, 403);
  if (!principal) return { tenantId: found?.tenant_id ?? null, tenantSlug, user: null };

  const tenantId = found?.tenant_id ?? (await ensureTenant(prisma, tenantSlug, options));

  const userId = found?.user_id ?? (await provisionUser(prisma, tenantId, principal));
  const filled = found?.user_id ? await fillEmptyProfileFields(prisma, found, principal) : false;
  const user = { id: userId, tenantId, authProvider: principal.provider, authSubject: principal.subject };
  // The row as read, for the request's user loader (`me` needs no second statement); not after
  // a profile fill or a provisioning, which this read did not see.
  const row = found?.user_id && found.created_at && found.updated_at && !filled
    ? { ...user, email: found.email, displayName: found.display_name, avatarUrl: found.avatar_url, metadata: found.metadata, createdAt: found.created_at, updatedAt: found.updated_at }
    : undefined;
  return { tenantId, tenantSlug, user: row ? { ...user, row } : user };
}

async function ensureTenant(prisma: PrismaClient, slug: string, options: ResolveViewerOptions): Promise<string> {
  const name = slug === options.defaultTenantSlug ? options.defaultTenantName : slug;
  // ON CONFLICT DO NOTHING: two first requests for the same tenant may race.
  await prisma.tenant.createMany({ data: [{ slug, name }], skipDuplicates: true });
  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { slug }, select: { id: true } });
  return tenant.id;
}

async function provisionUser(prisma: PrismaClient, tenantId: string, principal: Principal): Promise<string> {
  await prisma.user.createMany({
    data: [
      {
        tenantId,
        authProvider: principal.provider,
        authSubject: principal.subject,
        email: principal.email ?? null,
        displayName: principal.displayName ?? null,
        avatarUrl: principal.avatarUrl ?? null,
        metadata: { created_via: "jit_provisioning", provider_claims: jsonSafe(principal.claims) },
      },
    ],
    skipDuplicates: true,
  });
  const user = await prisma.user.findUniqueOrThrow({
    where: {
      tenantId_authProvider_authSubject: { tenantId, authProvider: principal.provider, authSubject: principal.subject },
    },
    select: { id: true },
  });
  return user.id;
}

/** Fills the user's empty profile fields from the token; whether anything was written. */
async function fillEmptyProfileFields(prisma: PrismaClient, row: Lookup, principal: Principal): Promise<boolean> {
  const data: Prisma.UserUpdateInput = {};
  if (!row.email && principal.email) data.email = principal.email;
  if (!row.display_name && principal.displayName) data.displayName = principal.displayName;
  if (!row.avatar_url && principal.avatarUrl) data.avatarUrl = principal.avatarUrl;
  if (Object.keys(data).length === 0 || !row.user_id) return false;
  await prisma.user.update({ where: { id: row.user_id }, data });
  return true;
}

function jsonSafe(value: Record<string, unknown>): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonObject;
}
