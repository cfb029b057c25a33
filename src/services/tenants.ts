/**
 * Tenant administration behind the setup endpoints (/api/setup/*, Boards §9). Every operation
 * requires a {@link SetupAdmin}, which only the admin-token check hands out, so these functions
 * cannot be reached without that authorization.
 */
import { z } from "zod";
import type { PrismaClient } from "../db.js";
import { badUserInput, conflict, notFound } from "../errors.js";
import { Prisma, type Tenant } from "../generated/prisma/client.js";
import { isValidTenantSlug } from "../lib/tenantSlug.js";
import type { EventBus } from "../events.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import { jsonObject, parseInput, requiredText } from "../lib/validate.js";
import type { StorageRouter } from "../storage/StorageRouter.js";
import { queueStoredObjectDeletion, STORED_OBJECT_COLUMNS } from "./storedObjects.js";

declare const setupAdminBrand: unique symbol;

/** Proof that the caller presented the setup admin token (see http/adminToken.ts). */
export type SetupAdmin = { readonly [setupAdminBrand]: true };

/** A tenant as the setup endpoints return it. */
export type TenantView = {
  tenant_id: string;
  name: string;
  slug: string;
  settings: Prisma.JsonValue;
  created_at: string;
  updated_at: string;
};

/** A tenant row in the setup endpoints' response shape. */
export function tenantView(tenant: Tenant): TenantView {
  return {
    tenant_id: tenant.id,
    name: tenant.name,
    slug: tenant.slug,
    settings: tenant.settings ?? {},
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

/** A tenant slug as X-Tenant accepts it (so every tenant can be addressed). */
export const tenantSlug = z
  .string()
  .max(255, "must be at most 255 characters")
  .refine(isValidTenantSlug, "must be lowercase letters, digits and hyphens, without a leading or trailing hyphen");

const TenantCreate = z.object({
  name: requiredText(255),
  slug: tenantSlug,
  settings: jsonObject.default({}),
  // Accepted for compatibility; Boards creates no sample data either.
  include_sample_data: z.boolean().default(false),
});

const TenantPatch = z.object({
  name: requiredText(255).nullish(),
  slug: tenantSlug.nullish(),
  settings: jsonObject.nullish(),
});

const json = (value: Record<string, unknown>) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonObject;

/**
 * Creates a tenant, or returns the one that already has `slug` unchanged (idempotent by slug,
 * as Boards' setup is; concurrent calls create one row).
 */
export async function setupTenant(_admin: SetupAdmin, prisma: PrismaClient, body: unknown): Promise<{ tenant: Tenant; existing: boolean }> {
  const input = parseInput(TenantCreate, body, "body");
  const { count } = await prisma.tenant.createMany({
    data: [{ name: input.name, slug: input.slug, settings: json(input.settings) }],
    skipDuplicates: true,
  });
  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { slug: input.slug } });
  return { tenant, existing: count === 0 };
}

/** @throws NOT_FOUND when no tenant has `id`. */
export async function getTenant(_admin: SetupAdmin, prisma: PrismaClient, id: string): Promise<Tenant> {
  const tenant = await prisma.tenant.findUnique({ where: { id } });
  if (!tenant) throw notFound(`Tenant with ID ${id} not found`);
  return tenant;
}

/** Every tenant, newest first. */
export function listTenants(_admin: SetupAdmin, prisma: PrismaClient): Promise<Tenant[]> {
  return prisma.tenant.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

/**
 * Changes the fields given (not null) only; a new slug is announced on the event bus, so no
 * process keeps serving the old one.
 * @throws BAD_USER_INPUT (with fieldErrors) for an invalid body; NOT_FOUND for an unknown
 * tenant; CONFLICT when another tenant has the new slug.
 */
export async function updateTenant(admin: SetupAdmin, deps: { prisma: PrismaClient; events: EventBus }, id: string, body: unknown): Promise<Tenant> {
  const { prisma } = deps;
  const parsed = parseInput(TenantPatch, body, "body");
  const patch = { name: parsed.name ?? undefined, slug: parsed.slug ?? undefined, settings: parsed.settings ?? undefined };
  const existing = await getTenant(admin, prisma, id);
  const slugTaken = () => conflict(`A tenant with slug '${patch.slug}' already exists`);
  if (patch.slug !== undefined && patch.slug !== existing.slug) {
    if (await prisma.tenant.findUnique({ where: { slug: patch.slug }, select: { id: true } })) throw slugTaken();
  }
  try {
    const updated = await prisma.tenant.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.slug !== undefined ? { slug: patch.slug } : {}),
        ...(patch.settings !== undefined ? { settings: json(patch.settings) } : {}),
        updatedAt: new Date(),
      },
    });
    // Other processes may know the old slug's id (anonymous requests): they forget it.
    if (updated.slug !== existing.slug) await deps.events.publishTenantChange(id);
    return updated;
  } catch (error) {
    // Another request took the slug between the check and the update.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw slugTaken();
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") throw notFound(`Tenant with ID ${id} not found`);
    throw error;
  }
}

export type TenantPolicy = { multiTenantMode: boolean; defaultTenantSlug: string };

/**
 * Deletes a tenant and, by cascade, its users, boards, generations and tags; their stored files
 * are deleted by jobs queued in the same transaction, and live streams of its boards end.
 * @throws NOT_FOUND for an unknown tenant; BAD_USER_INPUT for the default tenant in
 * single-tenant mode (every request without a tenant lands there).
 */
export async function deleteTenant(
  admin: SetupAdmin,
  deps: { prisma: PrismaClient; jobs: JobQueue; storage: StorageRouter; events: EventBus },
  policy: TenantPolicy,
  id: string,
): Promise<Tenant> {
  const { prisma } = deps;
  const tenant = await getTenant(admin, prisma, id);
  if (!policy.multiTenantMode && tenant.slug === policy.defaultTenantSlug) {
    throw badUserInput(
      "Cannot delete the default tenant in single-tenant mode. Enable multi-tenant mode or use a different default tenant first.",
    );
  }
  const boards = await prisma.$transaction(async (tx) => {
    const stored = await tx.generation.findMany({ where: { tenantId: id, storageKey: { not: null } }, select: STORED_OBJECT_COLUMNS });
    const boards = await tx.board.findMany({ where: { tenantId: id }, select: { id: true } });
    const { count } = await tx.tenant.deleteMany({ where: { id } });
    if (count === 0) throw notFound(`Tenant with ID ${id} not found`);
    await queueStoredObjectDeletion(tx, deps, stored);
    return boards;
  });
  await deps.events.publishTenantChange(id);
  // Open live streams of its boards end now rather than when their tokens expire.
  for (const board of boards) await deps.events.publishAccessChange(board.id);
  return tenant;
}

export type SetupStatus = {
  setup_needed: boolean;
  has_default_tenant: boolean;
  default_tenant_id: string | null;
  default_tenant_slug: string;
  multi_tenant_mode: boolean;
  auth_provider: string;
  recommendations: string[];
};

/**
 * The deployment's setup state, with Boards' fields and recommendations. Unlike Boards, reading
 * it creates nothing, so `has_default_tenant` tells the truth.
 */
export async function setupStatus(
  _admin: SetupAdmin,
  prisma: PrismaClient,
  config: TenantPolicy & { authProvider: string },
): Promise<SetupStatus> {
  const defaultTenant = await prisma.tenant.findUnique({ where: { slug: config.defaultTenantSlug }, select: { id: true } });
  const hasDefault = defaultTenant !== null;
  const setupNeeded = !hasDefault && !config.multiTenantMode;
  const recommendations: string[] = [];
  if (setupNeeded) {
    recommendations.push(`Create a default tenant using POST /api/setup/tenant with slug '${config.defaultTenantSlug}'`);
    recommendations.push("Run database migrations and the seed to create the default tenant: 'npm run db:setup'");
  }
  if (config.authProvider === "none" && !config.multiTenantMode) {
    recommendations.push("Consider configuring a proper authentication provider for production use");
  }
  if (recommendations.length === 0) {
    recommendations.push(config.multiTenantMode ? "System is ready for multi-tenant operation" : "Single-tenant setup is complete and ready to use");
  }
  return {
    setup_needed: setupNeeded,
    has_default_tenant: hasDefault,
    default_tenant_id: defaultTenant?.id ?? null,
    default_tenant_slug: config.defaultTenantSlug,
    multi_tenant_mode: config.multiTenantMode,
    auth_provider: config.authProvider,
    recommendations,
  };
}
