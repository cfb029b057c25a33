/**
 * Tenant setup and registration endpoints with Boards' paths, bodies and responses (§9):
 *
 *   POST   /api/setup/tenant              create, or return the tenant with that slug
 *   GET    /api/setup/tenant/{id}         one tenant
 *   PUT    /api/setup/tenant/{id}         partial update (409 when the slug is taken)
 *   DELETE /api/setup/tenant/{id}         delete with everything in it
 *   GET    /api/setup/tenants             every tenant, newest first
 *   GET    /api/setup/status              setup state and recommendations
 *   POST   /api/setup/credits/purchase    a billing system's purchase (once per idempotency key)
 *   GET    /api/setup/credits/{tenant_id} an account's figures (?user_id=… in user mode)
 *   GET    /api/tenants/registration/status   public
 *   POST   /api/tenants/register          a signed-in user, multi-tenant mode only
 *
 * Unlike Boards, /api/setup/* requires `Authorization: Bearer <BOARDS_ADMIN_TOKEN>` (401
 * without or with a wrong one; 403 while no token is configured). Bodies are JSON of at most
 * 64 KiB; errors are `{detail}` as in Boards, validation errors 422 with FastAPI's
 * `{detail: [{loc, msg, type}]}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GraphQLError } from "graphql";
import type { AuthAdapter } from "../auth/principal.js";
import { verifyAuthorization } from "../auth/verifyAuthorization.js";
import type { PrismaClient } from "../db.js";
import type { Env } from "../env.js";
import type { FieldError } from "../errors.js";
import { isGraphQLError } from "../graphql/maskError.js";
import { requestStore } from "../requestContext.js";
import { creditAccountOf, purchaseCredits } from "../services/credits/creditPurchases.js";
import { registerTenant, registrationStatus } from "../services/tenantRegistration.js";
import { deleteTenant, getTenant, listTenants, setupStatus, setupTenant, tenantView, updateTenant, type SetupAdmin } from "../services/tenants.js";
import { checkAdminToken } from "./adminToken.js";
import { describeInputProblem, inputProblem, MAX_JSON_DEPTH } from "../lib/inputProblem.js";
import { readJsonBody } from "./readJsonBody.js";
import { sendJson } from "./respond.js";
import { isUuid } from "../lib/uuid.js";
import type { EventBus } from "../events.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import type { StorageRouter } from "../storage/StorageRouter.js";

const MAX_BODY_BYTES = 64 * 1024;
const TENANT_BY_ID = /^\/api\/setup\/tenant\/([^/]+)$/;
const CREDITS_PURCHASE = "/api/setup/credits/purchase";
const CREDITS_BY_TENANT = /^\/api\/setup\/credits\/([^/]+)$/;
const REGISTRATION_PATHS = new Set(["/api/tenants/registration/status", "/api/tenants/register"]);

/** Paths served here (exempt from the multi-tenant X-Tenant requirement, as in Boards). */
export function isSetupPath(path: string): boolean {
  return path.startsWith("/api/setup/") || REGISTRATION_PATHS.has(path);
}

export type SetupRouteDeps = { env: Env; prisma: PrismaClient; jobs: JobQueue; storage: StorageRouter; events: EventBus; adapter: AuthAdapter };

const STATUS_BY_CODE: Record<string, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  // The server is not set up for the request (credits off): the same answer until an operator acts.
  FAILED_PRECONDITION: 409,
  SERVICE_UNAVAILABLE: 503,
};

/** A service error as Boards' REST error body. */
function sendServiceError(res: ServerResponse, error: GraphQLError) {
  const code = String(error.extensions.code);
  const fieldErrors = error.extensions.fieldErrors as FieldError[] | undefined;
  if (code === "BAD_USER_INPUT" && fieldErrors) {
    const detail = fieldErrors.map((e) => ({
      loc: e.field === "body" ? ["body"] : /^(query|path)\./.test(e.field) ? e.field.split(".") : ["body", ...e.field.split(".")],
      msg: e.message,
      type: "value_error",
    }));
    return sendJson(res, 422, { detail });
  }
  const status = STATUS_BY_CODE[code] ?? 500;
  return sendJson(res, status, { detail: error.message }, status === 401 ? { "www-authenticate": "Bearer" } : {});
}

function methodNotAllowed(res: ServerResponse, allowed: string[]) {
  sendJson(res, 405, { detail: "Method Not Allowed" }, { allow: allowed.join(", ") });
}

/** Reads the JSON body, answering the request itself when it cannot be used. */
async function bodyOf(req: IncomingMessage, res: ServerResponse): Promise<{ value: unknown } | null> {
  const body = await readJsonBody(req, MAX_BODY_BYTES);
  // What PostgreSQL and Prisma cannot take (NUL, lone surrogates, deep nesting) is the client's fault.
  const problem = body.ok ? inputProblem(body.value, MAX_JSON_DEPTH) : null;
  if (problem) {
    sendJson(res, 400, { detail: describeInputProblem(problem) });
    return null;
  }
  if (body.ok) return { value: body.value };
  sendJson(res, body.status, { detail: body.detail }, body.status === 413 ? { connection: "close" } : {});
  return null;
}

/** Builds the handler; it answers every path for which {@link isSetupPath} holds. */
export function createSetupRoutes(deps: SetupRouteDeps) {
  const { env, prisma } = deps;
  const policy = { multiTenantMode: env.multiTenantMode, defaultTenantSlug: env.defaultTenantSlug };
  const registration = { ...env.tenantRegistration, multiTenantMode: env.multiTenantMode };
  const audit = (fields: Record<string, unknown>, message: string) => requestStore.getStore()?.logger.info(fields, message);

  async function tenantById(req: IncomingMessage, res: ServerResponse, admin: SetupAdmin, id: string) {
    if (!isUuid(id)) {
      return sendJson(res, 422, { detail: [{ loc: ["path", "tenant_id"], msg: "Input should be a valid UUID", type: "uuid_parsing" }] });
    }
    const tenantId = id.toLowerCase();
    if (req.method === "GET") return sendJson(res, 200, tenantView(await getTenant(admin, prisma, tenantId)));
    if (req.method === "PUT") {
      const body = await bodyOf(req, res);
      if (!body) return;
      const tenant = await updateTenant(admin, { prisma, events: deps.events }, tenantId, body.value);
      audit({ tenantId, slug: tenant.slug }, "tenant updated");
      return sendJson(res, 200, tenantView(tenant));
    }
    if (req.method === "DELETE") {
      const tenant = await deleteTenant(admin, deps, policy, tenantId);
      audit({ tenantId, slug: tenant.slug }, "tenant deleted");
      return sendJson(res, 200, {
        message: `Tenant '${tenant.name}' (${tenant.slug}) deleted successfully`,
        tenant_id: tenant.id,
        warning: "All related data (users, boards, generations, etc.) has been permanently deleted",
      });
    }
    return methodNotAllowed(res, ["GET", "PUT", "DELETE"]);
  }

  async function creditsOfTenant(req: IncomingMessage, res: ServerResponse, admin: SetupAdmin, id: string) {
    if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
    if (!isUuid(id)) {
      return sendJson(res, 422, { detail: [{ loc: ["path", "tenant_id"], msg: "Input should be a valid UUID", type: "uuid_parsing" }] });
    }
    const userId = new URL(req.url ?? "/", "http://localhost").searchParams.get("user_id") ?? undefined;
    return sendJson(res, 200, await creditAccountOf(admin, prisma, env.creditsMode, id.toLowerCase(), userId));
  }

  async function setup(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const check = checkAdminToken(req.headers.authorization, env.adminToken);
    if (!check.ok) return sendJson(res, check.status, { detail: check.detail }, check.status === 401 ? { "www-authenticate": "Bearer" } : {});
    const { admin } = check;
    if (path === "/api/setup/tenant") {
      if (req.method !== "POST") return methodNotAllowed(res, ["POST"]);
      const body = await bodyOf(req, res);
      if (!body) return;
      const { tenant, existing } = await setupTenant(admin, prisma, body.value);
      if (!existing) audit({ tenantId: tenant.id, slug: tenant.slug }, "tenant created");
      return sendJson(res, 200, {
        tenant_id: tenant.id,
        name: tenant.name,
        slug: tenant.slug,
        message: `Tenant ${existing ? "configured" : "created"} successfully`,
        existing,
      });
    }
    if (path === "/api/setup/tenants") {
      if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
      const tenants = (await listTenants(admin, prisma)).map(tenantView);
      return sendJson(res, 200, { tenants, total_count: tenants.length });
    }
    if (path === "/api/setup/status") {
      if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
      return sendJson(res, 200, await setupStatus(admin, prisma, { ...policy, authProvider: env.auth.provider }));
    }
    if (path === CREDITS_PURCHASE) {
      if (req.method !== "POST") return methodNotAllowed(res, ["POST"]);
      const body = await bodyOf(req, res);
      if (!body) return;
      const purchase = await purchaseCredits(admin, deps, env.creditsMode, body.value);
      if (!purchase.replayed) audit({ transactionId: purchase.transaction.id, amount: purchase.transaction.amount }, "credits purchased");
      return sendJson(res, purchase.replayed ? 200 : 201, purchase);
    }
    const credits = CREDITS_BY_TENANT.exec(path);
    if (credits) return creditsOfTenant(req, res, admin, credits[1]!);
    const byId = TENANT_BY_ID.exec(path);
    // Left encoded: a valid id has nothing to decode, and bad escapes must not throw.
    if (byId) return tenantById(req, res, admin, byId[1]!);
    return sendJson(res, 404, { detail: "Not Found" });
  }

  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return methodNotAllowed(res, ["POST"]);
    const principal = await verifyAuthorization(req.headers.authorization, deps.adapter);
    // Outside multi-tenant mode the service refuses before reading anything.
    const body = env.multiTenantMode && principal ? await bodyOf(req, res) : { value: undefined };
    if (!body) return;
    const registered = await registerTenant(prisma, principal, body.value, registration);
    audit({ tenantId: registered.tenant_id, slug: registered.tenant_slug, provider: principal?.provider }, "tenant registered");
    return sendJson(res, 200, registered);
  }

  return async function serveSetup(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (path === "/api/tenants/registration/status") {
        if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
        return sendJson(res, 200, registrationStatus(registration));
      }
      if (path === "/api/tenants/register") return await register(req, res);
      return await setup(req, res, path);
    } catch (error) {
      if (isGraphQLError(error)) return sendServiceError(res, error);
      throw error;
    }
  };
}
