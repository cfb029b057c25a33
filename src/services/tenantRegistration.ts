/**
 * Self-service tenant registration (Boards §9: /api/tenants/registration/status and
 * /api/tenants/register). Only in multi-tenant mode, only for a signed-in caller. Unlike Boards,
 * registering a slug that is taken is a conflict (Boards silently hands back the existing
 * tenant's id), and the registering user becomes the new tenant's first user, recorded as
 * `registered_by`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Principal } from "../auth/principal.js";
import type { PrismaClient } from "../db.js";
import type { Env } from "../env.js";
import { badUserInput, conflict, unauthenticated } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import { isUniqueViolation, jsonObject, parseInput, requiredText } from "../lib/validate.js";
import { tenantSlug } from "./tenants.js";

export type RegistrationConfig = Env["tenantRegistration"] & { multiTenantMode: boolean };

const ORGANIZATION_SIZES = ["small", "medium", "large", "enterprise"] as const;

const Registration = z.object({
  organization_name: requiredText(255),
  organization_slug: tenantSlug.nullish(),
  admin_email: z
    .string()
    .trim()
    .max(255, "must be at most 255 characters")
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "Invalid email format")
    .transform((email) => email.toLowerCase()),
  admin_name: z.string().max(255, "must be at most 255 characters").nullish(),
  use_case: z.string().max(500, "must be at most 500 characters").nullish(),
  organization_size: z
    .string()
    .transform((size) => size.toLowerCase())
    .pipe(z.enum(ORGANIZATION_SIZES, { message: `Organization size must be one of: ${ORGANIZATION_SIZES.join(", ")}` }))
    .nullish(),
  metadata: jsonObject.default({}),
  // Accepted for compatibility; Boards creates no sample data either.
  include_sample_data: z.boolean().default(true),
});

/** Whether and how registration is open (public). */
export function registrationStatus(config: RegistrationConfig) {
  return {
    enabled: config.multiTenantMode,
    requires_approval: config.requiresApproval,
    max_tenants_per_user: config.maxTenantsPerUser,
    allowed_domains: config.allowedDomains,
  };
}

/** A slug from an organisation name, as Boards derives it (`org-<hex>` when too short). */
export function slugFromName(name: string): string {
  let slug = name
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (slug.length < 3) slug = `org-${randomBytes(4).toString("hex")}`;
  if (slug.length > 50) slug = `${slug.slice(0, 47).replace(/-+$/, "")}-${randomBytes(1).toString("hex")}`;
  return slug;
}

function adminInstructions(status: string, slug: string): string {
  return status === "pending_approval"
    ? "Your tenant registration is pending approval. You will receive an email notification when your tenant is activated. " +
        `Your tenant slug is '${slug}' - save this for future reference.`
    : `Your tenant '${slug}' is ready to use! Include the X-Tenant header in all API requests. ` +
        "Visit the dashboard to get started with boards and content generation.";
}

/**
 * Registers a new tenant for `principal`'s organisation.
 * @throws BAD_USER_INPUT outside multi-tenant mode, for an invalid body (with fieldErrors) or
 * an e-mail domain that is not allowed; UNAUTHENTICATED without a principal; CONFLICT when the
 * slug is taken.
 */
export async function registerTenant(prisma: PrismaClient, principal: Principal | null, body: unknown, config: RegistrationConfig) {
  if (!config.multiTenantMode) throw badUserInput("Tenant registration is only available in multi-tenant mode");
  if (!principal) throw unauthenticated("Authentication required for tenant registration", 401);
  const input = parseInput(Registration, body, "body");
  const domain = input.admin_email.slice(input.admin_email.lastIndexOf("@") + 1);
  if (config.allowedDomains && !config.allowedDomains.includes(domain)) {
    throw badUserInput(`Email domain '${domain}' is not allowed for registration`);
  }

  const slug = input.organization_slug ?? slugFromName(input.organization_name);
  const userId = randomUUID();
  const settings: Prisma.InputJsonObject = JSON.parse(
    JSON.stringify({
      admin_email: input.admin_email,
      admin_name: input.admin_name ?? null,
      use_case: input.use_case ?? null,
      organization_size: input.organization_size ?? null,
      registered_by: userId,
      registration_metadata: input.metadata,
    }),
  ) as Prisma.InputJsonObject;
  let tenantId: string;
  try {
    // One statement: the tenant and its first user exist together or not at all.
    const tenant = await prisma.tenant.create({
      data: {
        name: input.organization_name,
        slug,
        settings,
        users: {
          create: {
            id: userId,
            authProvider: principal.provider,
            authSubject: principal.subject,
            email: principal.email ?? null,
            displayName: principal.displayName ?? null,
            avatarUrl: principal.avatarUrl ?? null,
            metadata: JSON.parse(JSON.stringify({ created_via: "tenant_registration", provider_claims: principal.claims })) as Prisma.InputJsonObject,
          },
        },
      },
      select: { id: true },
    });
    tenantId = tenant.id;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`A tenant with slug '${slug}' already exists`);
    throw error;
  }

  const status = config.requiresApproval ? "pending_approval" : "active";
  return {
    tenant_id: tenantId,
    organization_name: input.organization_name,
    tenant_slug: slug,
    status,
    admin_instructions: adminInstructions(status, slug),
    dashboard_url: config.frontendBaseUrl ? `${config.frontendBaseUrl}/?tenant=${slug}` : null,
    api_access: {
      tenant_header: `X-Tenant: ${slug}`,
      graphql_endpoint: "/graphql",
      api_base_url: "/api",
      authentication_required: true,
    },
  };
}
