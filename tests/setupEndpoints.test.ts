/**
 * Tenant setup (/api/setup/*) and self-service registration (/api/tenants/*) over HTTP, with
 * Boards' paths, bodies and responses, and this server's admin token on the setup endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, signToken, uniqueSlug } from "./helpers/actors.js";
import { startServer, type TestServer } from "./helpers/server.js";

const ADMIN_TOKEN = `admin-${uniqueSlug("token")}-0123456789`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

type Reply = { status: number; headers: Headers; body: Record<string, unknown> };

type CallOptions = { body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> };

/** One request; `token` defaults to the admin token (null: no Authorization header). */
async function call(server: TestServer, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const response = await server.fetch(path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Every setup endpoint, with a valid request for each. */
const SETUP_REQUESTS: Array<[string, string, unknown?]> = [
  ["POST", "/api/setup/tenant", { name: "Refused", slug: "never-created" }],
  ["GET", `/api/setup/tenant/${UNKNOWN_ID}`],
  ["PUT", `/api/setup/tenant/${UNKNOWN_ID}`, { name: "x" }],
  ["DELETE", `/api/setup/tenant/${UNKNOWN_ID}`],
  ["GET", "/api/setup/tenants"],
  ["GET", "/api/setup/status"],
  ["POST", "/api/setup/credits/purchase", { tenant_slug: "never-created", amount: 1, idempotency_key: "order-1" }],
  ["GET", `/api/setup/credits/${UNKNOWN_ID}`],
];

let server: TestServer;
let disabled: TestServer;
beforeAll(async () => {
  [server, disabled] = await Promise.all([startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN }), startServer()]);
});
afterAll(async () => {
  await Promise.all([server.close(), disabled.close()]);
});

const tenantBySlug = (slug: string) => server.prisma.tenant.findUnique({ where: { slug } });

describe("the admin token", () => {
  it.each(SETUP_REQUESTS)("%s %s answers 401 without it or with a wrong one", async (method, path, body) => {
    for (const [token, detail] of [
      [null, "Admin token required"],
      ["not-the-admin-token", "Invalid admin token"],
      [ADMIN_TOKEN.slice(0, -1), "Invalid admin token"],
      [`${ADMIN_TOKEN}x`, "Invalid admin token"],
    ] as const) {
      const reply = await call(server, method, path, { body, token });
      expect(reply.status, `${token}`).toBe(401);
      expect(reply.body).toEqual({ detail });
      expect(reply.headers.get("www-authenticate")).toBe("Bearer");
    }
    const basic = await call(server, method, path, { body, token: null, headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}` } });
    expect(basic.status).toBe(401);
    expect(await tenantBySlug("never-created")).toBeNull();
  });

  it.each(SETUP_REQUESTS)("%s %s answers 403 while no admin token is configured", async (method, path, body) => {
    for (const token of [null, ADMIN_TOKEN]) {
      const reply = await call(disabled, method, path, { body, token });
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ detail: "Setup endpoints are disabled: set BOARDS_ADMIN_TOKEN" });
    }
    expect(await tenantBySlug("never-created")).toBeNull();
  });

  it("is not a user credential: the GraphQL API refuses it", async () => {
    const result = await server.gql("{ me { id } }", undefined, { token: ADMIN_TOKEN });
    expect(result.status).toBe(401);
  });
});

describe("POST /api/setup/tenant", () => {
  it("creates a tenant and answers as Boards does", async () => {
    const slug = uniqueSlug("setup");
    const reply = await call(server, "POST", "/api/setup/tenant", { body: { name: "Setup Studio", slug, settings: { theme: "dark" } } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ tenant_id: expect.stringMatching(UUID), name: "Setup Studio", slug, message: "Tenant created successfully", existing: false });
    const row = await tenantBySlug(slug);
    expect(row).toMatchObject({ id: reply.body.tenant_id, name: "Setup Studio", settings: { theme: "dark" } });
  });

  it("is idempotent by slug: the existing tenant comes back unchanged", async () => {
    const slug = uniqueSlug("again");
    const first = await call(server, "POST", "/api/setup/tenant", { body: { name: "First", slug } });
    const second = await call(server, "POST", "/api/setup/tenant", { body: { name: "Second", slug, settings: { x: 1 }, include_sample_data: true } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ tenant_id: first.body.tenant_id, name: "First", slug, message: "Tenant configured successfully", existing: true });
    expect(await server.prisma.tenant.findMany({ where: { slug } })).toMatchObject([{ name: "First", settings: {} }]);
  });

  it("creates one tenant when the same slug is set up concurrently", async () => {
    const slug = uniqueSlug("race");
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => call(server, "POST", "/api/setup/tenant", { body: { name: `Racer ${i}`, slug } })));
    expect(new Set(replies.map((r) => r.body.tenant_id)).size).toBe(1);
    expect(replies.filter((r) => r.body.existing === false)).toHaveLength(1);
    expect(await server.prisma.tenant.count({ where: { slug } })).toBe(1);
  });

  it.each<[string, unknown, string[]]>([
    ["without a name", { slug: "no-name" }, ["body", "name"]],
    ["with an empty name", { name: "  ", slug: "empty-name" }, ["body", "name"]],
    ["with a 256-character name", { name: "n".repeat(256), slug: "long-name" }, ["body", "name"]],
    ["without a slug", { name: "No slug" }, ["body", "slug"]],
    ["with capitals in the slug", { name: "x", slug: "Bad-Slug" }, ["body", "slug"]],
    ["with an underscore in the slug", { name: "x", slug: "bad_slug" }, ["body", "slug"]],
    ["with a leading hyphen in the slug", { name: "x", slug: "-bad" }, ["body", "slug"]],
    ["with a 256-character slug", { name: "x", slug: "s".repeat(256) }, ["body", "slug"]],
    ["with settings that are not an object", { name: "x", slug: "bad-settings", settings: [1, 2] }, ["body", "settings"]],
    ["with include_sample_data that is not a boolean", { name: "x", slug: "bad-flag", include_sample_data: "yes" }, ["body", "include_sample_data"]],
    ["that is not an object", ["name", "slug"], ["body"]],
  ])("answers 422 for a body %s", async (_, body, loc) => {
    const reply = await call(server, "POST", "/api/setup/tenant", { body });
    expect(reply.status, JSON.stringify(reply.body)).toBe(422);
    const detail = reply.body.detail as Array<{ loc: string[]; msg: string; type: string }>;
    expect(detail.map((d) => d.loc)).toContainEqual(loc);
    for (const item of detail) expect(typeof item.msg).toBe("string");
    const slug = (body as { slug?: unknown }).slug;
    if (typeof slug === "string" && /^[a-z0-9-]+$/.test(slug) && !slug.startsWith("-")) expect(await tenantBySlug(slug)).toBeNull();
  });

  it("answers 400 for malformed JSON, 415 for another content type, 413 past 64 KiB and 405 for other methods", async () => {
    expect(await call(server, "POST", "/api/setup/tenant", { rawBody: "{not json" })).toMatchObject({ status: 400, body: { detail: "Invalid JSON body" } });
    expect(await call(server, "POST", "/api/setup/tenant", { rawBody: "", headers: { "content-type": "application/json" } })).toMatchObject({ status: 400 });
    const form = await call(server, "POST", "/api/setup/tenant", { rawBody: "name=x&slug=y", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form).toMatchObject({ status: 415, body: { detail: "Content-Type must be application/json" } });
    const slug = uniqueSlug("huge");
    const huge = await call(server, "POST", "/api/setup/tenant", { body: { name: "Huge", slug, settings: { blob: "x".repeat(70 * 1024) } } });
    expect(huge.status).toBe(413);
    expect(await tenantBySlug(slug)).toBeNull();
    const get = await call(server, "GET", "/api/setup/tenant");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});

describe("reading tenants", () => {
  let created: { tenant_id: string; slug: string };
  beforeAll(async () => {
    const slug = uniqueSlug("read");
    const reply = await call(server, "POST", "/api/setup/tenant", { body: { name: "Readable", slug, settings: { plan: "pro" } } });
    created = { tenant_id: reply.body.tenant_id as string, slug };
  });

  it("GET /api/setup/tenant/{id} returns the tenant", async () => {
    const reply = await call(server, "GET", `/api/setup/tenant/${created.tenant_id}`);
    expect(reply.status).toBe(200);
    const row = await server.prisma.tenant.findUniqueOrThrow({ where: { id: created.tenant_id } });
    expect(reply.body).toEqual({
      tenant_id: created.tenant_id,
      name: "Readable",
      slug: created.slug,
      settings: { plan: "pro" },
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    });
    // Ids are case-insensitive, as UUIDs are.
    expect((await call(server, "GET", `/api/setup/tenant/${created.tenant_id.toUpperCase()}`)).body.tenant_id).toBe(created.tenant_id);
  });

  it("GET /api/setup/tenant/{id} answers 404 for an unknown id and 422 for a malformed one", async () => {
    expect(await call(server, "GET", `/api/setup/tenant/${UNKNOWN_ID}`)).toMatchObject({ status: 404, body: { detail: `Tenant with ID ${UNKNOWN_ID} not found` } });
    const malformed = await call(server, "GET", "/api/setup/tenant/not-a-uuid");
    expect(malformed.status).toBe(422);
    expect(malformed.body).toEqual({ detail: [{ loc: ["path", "tenant_id"], msg: "Input should be a valid UUID", type: "uuid_parsing" }] });
    // A path that does not decode is refused before any route sees it.
    expect((await call(server, "GET", "/api/setup/tenant/%E0%A4%A")).status).toBe(400);
  });

  it("GET /api/setup/tenants lists every tenant, newest first, with the total", async () => {
    const newest = await call(server, "POST", "/api/setup/tenant", { body: { name: "Newest", slug: uniqueSlug("newest") } });
    const reply = await call(server, "GET", "/api/setup/tenants");
    expect(reply.status).toBe(200);
    const tenants = reply.body.tenants as Array<{ tenant_id: string; created_at: string }>;
    expect(reply.body.total_count).toBe(tenants.length);
    expect(tenants.length).toBeGreaterThanOrEqual(2);
    const ids = tenants.map((t) => t.tenant_id);
    expect(ids).toContain(created.tenant_id);
    expect(ids.indexOf(newest.body.tenant_id as string)).toBeLessThan(ids.indexOf(created.tenant_id));
    for (let i = 1; i < tenants.length; i++) expect(Date.parse(tenants[i - 1]!.created_at)).toBeGreaterThanOrEqual(Date.parse(tenants[i]!.created_at));
  });

  it("answers 404 for unknown setup paths, still behind the admin token", async () => {
    expect(await call(server, "GET", "/api/setup/nothing-here")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect((await call(server, "GET", "/api/setup/nothing-here", { token: null })).status).toBe(401);
  });
});

describe("PUT /api/setup/tenant/{id}", () => {
  async function fresh(settings: Record<string, unknown> = { keep: true }) {
    const slug = uniqueSlug("put");
    const reply = await call(server, "POST", "/api/setup/tenant", { body: { name: "Before", slug, settings } });
    return { id: reply.body.tenant_id as string, slug };
  }

  it("changes only the fields given", async () => {
    const { id, slug } = await fresh();
    const renamed = await call(server, "PUT", `/api/setup/tenant/${id}`, { body: { name: "After" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ tenant_id: id, name: "After", slug, settings: { keep: true } });
    const newSlug = uniqueSlug("moved");
    const moved = await call(server, "PUT", `/api/setup/tenant/${id}`, { body: { slug: newSlug, settings: { plan: "team" }, name: null } });
    expect(moved.body).toMatchObject({ tenant_id: id, name: "After", slug: newSlug, settings: { plan: "team" } });
    expect(Date.parse(moved.body.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(renamed.body.updated_at as string));
    expect(await tenantBySlug(slug)).toBeNull();
    expect(await tenantBySlug(newSlug)).toMatchObject({ id, name: "After" });
    // Its own slug again is no conflict.
    expect((await call(server, "PUT", `/api/setup/tenant/${id}`, { body: { slug: newSlug } })).status).toBe(200);
  });

  it("answers 409 when another tenant has the slug, and changes nothing", async () => {
    const a = await fresh();
    const b = await fresh();
    const reply = await call(server, "PUT", `/api/setup/tenant/${a.id}`, { body: { name: "Taken", slug: b.slug } });
    expect(reply).toMatchObject({ status: 409, body: { detail: `A tenant with slug '${b.slug}' already exists` } });
    expect(await server.prisma.tenant.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ name: "Before", slug: a.slug });
  });

  it("answers 404 for an unknown tenant and 422 for invalid fields", async () => {
    expect((await call(server, "PUT", `/api/setup/tenant/${UNKNOWN_ID}`, { body: { name: "x" } })).status).toBe(404);
    const { id } = await fresh();
    for (const body of [{ slug: "Bad_Slug" }, { name: "" }, { settings: "plain" }]) {
      expect((await call(server, "PUT", `/api/setup/tenant/${id}`, { body })).status, JSON.stringify(body)).toBe(422);
    }
    expect(await server.prisma.tenant.findUniqueOrThrow({ where: { id } })).toMatchObject({ name: "Before" });
  });
});

describe("DELETE /api/setup/tenant/{id}", () => {
  it("deletes the tenant with its users and boards", async () => {
    const slug = uniqueSlug("doomed");
    const created = await call(server, "POST", "/api/setup/tenant", { body: { name: "Doomed", slug } });
    const id = created.body.tenant_id as string;
    const token = await signToken({ sub: `doomed-user-${slug}` });
    const board = expectData(await server.gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "Doomed board" }) { id } }`, undefined, { token, tenant: slug }));

    const reply = await call(server, "DELETE", `/api/setup/tenant/${id}`);
    expect(reply).toMatchObject({
      status: 200,
      body: {
        message: `Tenant 'Doomed' (${slug}) deleted successfully`,
        tenant_id: id,
        warning: "All related data (users, boards, generations, etc.) has been permanently deleted",
      },
    });
    expect(await tenantBySlug(slug)).toBeNull();
    expect(await server.prisma.board.findUnique({ where: { id: board.createBoard.id } })).toBeNull();
    expect(await server.prisma.user.count({ where: { tenantId: id } })).toBe(0);
    expect((await call(server, "DELETE", `/api/setup/tenant/${id}`)).status).toBe(404);
  });

  it("lets a deleted tenant's callers start afresh: their next request lands in a new tenant of that slug", async () => {
    const slug = uniqueSlug("reborn");
    const created = await call(server, "POST", "/api/setup/tenant", { body: { name: "Reborn", slug } });
    const token = await signToken({ sub: `reborn-user-${slug}` });
    const me = `{ me { id tenantId } }`;
    const before = expectData(await server.gql<{ me: { id: string; tenantId: string } }>(me, undefined, { token, tenant: slug })).me;
    expect(before.tenantId).toBe(created.body.tenant_id);
    expect((await call(server, "DELETE", `/api/setup/tenant/${created.body.tenant_id as string}`)).status).toBe(200);
    // Single-tenant mode creates the tenant again on first use; the caller is a new user in it.
    const board = expectData(await server.gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "Again" }) { id } }`, undefined, { token, tenant: slug }));
    const after = expectData(await server.gql<{ me: { id: string; tenantId: string } }>(me, undefined, { token, tenant: slug })).me;
    expect(after.tenantId).not.toBe(before.tenantId);
    expect(after.id).not.toBe(before.id);
    expect((await server.prisma.board.findUniqueOrThrow({ where: { id: board.createBoard.id } })).tenantId).toBe(after.tenantId);
  });

  it("refuses to delete the default tenant in single-tenant mode (400)", async () => {
    const home = await server.prisma.tenant.upsert({ where: { slug: "default" }, create: { slug: "default", name: "Default Tenant" }, update: {} });
    const reply = await call(server, "DELETE", `/api/setup/tenant/${home.id}`);
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toMatch(/^Cannot delete the default tenant in single-tenant mode/);
    expect(await tenantBySlug("default")).not.toBeNull();
  });
});

describe("GET /api/setup/status", () => {
  it("reports a complete single-tenant setup", async () => {
    const home = await server.prisma.tenant.upsert({ where: { slug: "default" }, create: { slug: "default", name: "Default Tenant" }, update: {} });
    const reply = await call(server, "GET", "/api/setup/status");
    expect(reply).toMatchObject({ status: 200 });
    expect(reply.body).toEqual({
      setup_needed: false,
      has_default_tenant: true,
      default_tenant_id: home.id,
      default_tenant_slug: "default",
      multi_tenant_mode: false,
      auth_provider: "jwt",
      recommendations: ["Single-tenant setup is complete and ready to use"],
    });
  });

  it("reports a missing default tenant without creating it", async () => {
    const slug = uniqueSlug("home");
    const fresh = await startServer({ BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, BOARDS_DEFAULT_TENANT_SLUG: slug });
    try {
      const reply = await call(fresh, "GET", "/api/setup/status");
      expect(reply.body).toMatchObject({ setup_needed: true, has_default_tenant: false, default_tenant_id: null, default_tenant_slug: slug });
      expect(reply.body.recommendations).toContain(`Create a default tenant using POST /api/setup/tenant with slug '${slug}'`);
      expect(await tenantBySlug(slug)).toBeNull();
      await call(fresh, "POST", "/api/setup/tenant", { body: { name: "Home", slug } });
      expect((await call(fresh, "GET", "/api/setup/status")).body).toMatchObject({ setup_needed: false, has_default_tenant: true });
    } finally {
      await fresh.close();
    }
  });
});

describe("multi-tenant mode", () => {
  let multi: TestServer;
  let approval: TestServer;
  const homeSlug = uniqueSlug("mt-home");
  beforeAll(async () => {
    const common = { BOARDS_MULTI_TENANT_MODE: "true", BOARDS_ADMIN_TOKEN: ADMIN_TOKEN, BOARDS_DEFAULT_TENANT_SLUG: homeSlug };
    [multi, approval] = await Promise.all([
      startServer({
        ...common,
        BOARDS_TENANT_REGISTRATION_ALLOWED_DOMAINS: '["acme.example","rockets.example"]',
        BOARDS_MAX_TENANTS_PER_USER: "3",
        BOARDS_FRONTEND_BASE_URL: "https://app.boards.example/",
      }),
      startServer({ ...common, BOARDS_TENANT_REGISTRATION_REQUIRES_APPROVAL: "true" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([multi.close(), approval.close()]);
  });

  const register = (body: unknown, token: string | null, target = multi) => call(target, "POST", "/api/tenants/register", { body, token });
  const registration = (overrides: Record<string, unknown> = {}) => ({
    organization_name: "Acme Rockets, Inc.",
    organization_slug: uniqueSlug("acme"),
    admin_email: "Admin@Acme.example",
    admin_name: "Ada Admin",
    use_case: "Storyboards",
    organization_size: "Medium",
    metadata: { source: "test" },
    ...overrides,
  });

  it("serves the setup and registration endpoints without X-Tenant (as Boards), and nothing else", async () => {
    expect((await call(multi, "GET", "/api/setup/status")).body).toMatchObject({ multi_tenant_mode: true, recommendations: ["System is ready for multi-tenant operation"] });
    expect((await call(multi, "GET", "/api/tenants/registration/status", { token: null })).status).toBe(200);
    expect((await register(registration(), null)).status).toBe(401);
    expect((await call(multi, "GET", "/api/anything-else")).status).toBe(400);
  });

  it("lets the default tenant be deleted (it is only special in single-tenant mode)", async () => {
    const created = await call(multi, "POST", "/api/setup/tenant", { body: { name: "Home", slug: homeSlug } });
    expect((await call(multi, "DELETE", `/api/setup/tenant/${created.body.tenant_id as string}`)).status).toBe(200);
  });

  it("GET /api/tenants/registration/status is public and reflects the configuration", async () => {
    expect((await call(multi, "GET", "/api/tenants/registration/status", { token: null })).body).toEqual({
      enabled: true,
      requires_approval: false,
      max_tenants_per_user: 3,
      allowed_domains: ["acme.example", "rockets.example"],
    });
    expect((await call(server, "GET", "/api/tenants/registration/status", { token: null })).body).toEqual({
      enabled: false,
      requires_approval: false,
      max_tenants_per_user: null,
      allowed_domains: null,
    });
    expect((await call(multi, "POST", "/api/tenants/registration/status", { token: null, body: {} })).status).toBe(405);
  });

  it("registers a tenant for a signed-in user, who becomes its first user", async () => {
    const sub = `registrant-${uniqueSlug()}`;
    // A public mail domain: in multi-tenant mode a company domain would pick the tenant itself
    // (claims come before X-Tenant, as in Boards).
    const token = await signToken({ sub, email: "ada@gmail.com", name: "Ada" });
    const body = registration();
    const reply = await register(body, token);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const slug = body.organization_slug;
    expect(reply.body).toEqual({
      tenant_id: expect.stringMatching(UUID),
      organization_name: "Acme Rockets, Inc.",
      tenant_slug: slug,
      status: "active",
      admin_instructions: `Your tenant '${slug}' is ready to use! Include the X-Tenant header in all API requests. Visit the dashboard to get started with boards and content generation.`,
      dashboard_url: `https://app.boards.example/?tenant=${slug}`,
      api_access: { tenant_header: `X-Tenant: ${slug}`, graphql_endpoint: "/graphql", api_base_url: "/api", authentication_required: true },
    });
    const tenant = await multi.prisma.tenant.findUniqueOrThrow({ where: { slug }, include: { users: true } });
    expect(tenant.users).toHaveLength(1);
    expect(tenant.users[0]).toMatchObject({ authProvider: "jwt", authSubject: sub, email: "ada@gmail.com", displayName: "Ada" });
    expect(tenant.settings).toEqual({
      admin_email: "admin@acme.example",
      admin_name: "Ada Admin",
      use_case: "Storyboards",
      organization_size: "medium",
      registered_by: tenant.users[0]!.id,
      registration_metadata: { source: "test" },
    });
    // The registrant is that user when addressing the new tenant.
    const { me } = expectData(await multi.gql<{ me: { id: string } }>("{ me { id } }", undefined, { token, tenant: slug }));
    expect(me.id).toBe(tenant.users[0]!.id);
  });

  it("derives the slug from the organisation name when none is given", async () => {
    const token = await signToken({ sub: `slugger-${uniqueSlug()}` });
    const name = `Rocket Works ${uniqueSlug("n")}!`;
    const reply = await register(registration({ organization_slug: undefined, organization_name: name }), token);
    expect(reply.body.tenant_slug).toBe(name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-$/, ""));
    const short = await register(registration({ organization_slug: null, organization_name: "AB" }), token);
    expect(short.body.tenant_slug).toMatch(/^org-[0-9a-f]{8}$/);
    expect(await multi.prisma.tenant.findUnique({ where: { slug: short.body.tenant_slug as string } })).not.toBeNull();
  });

  it("answers pending_approval when registrations require approval", async () => {
    const token = await signToken({ sub: `waiting-${uniqueSlug()}` });
    const body = registration();
    const reply = await register(body, token, approval);
    expect(reply.body).toMatchObject({ status: "pending_approval", tenant_slug: body.organization_slug, dashboard_url: null });
    expect(reply.body.admin_instructions).toMatch(/pending approval/);
  });

  it("answers 409 for a slug that is taken, changing nothing", async () => {
    const token = await signToken({ sub: `second-${uniqueSlug()}` });
    const body = registration();
    expect((await register(body, token)).status).toBe(200);
    const again = await register({ ...body, organization_name: "Someone Else" }, await signToken({ sub: `third-${uniqueSlug()}` }));
    expect(again).toMatchObject({ status: 409, body: { detail: `A tenant with slug '${body.organization_slug}' already exists` } });
    expect(await multi.prisma.tenant.findUniqueOrThrow({ where: { slug: body.organization_slug } })).toMatchObject({ name: "Acme Rockets, Inc." });
  });

  it("refuses e-mail domains outside the allow-list (400)", async () => {
    const body = registration({ admin_email: "boss@elsewhere.example" });
    const reply = await register(body, await signToken({ sub: `outsider-${uniqueSlug()}` }));
    expect(reply).toMatchObject({ status: 400, body: { detail: "Email domain 'elsewhere.example' is not allowed for registration" } });
    expect(await multi.prisma.tenant.findUnique({ where: { slug: body.organization_slug } })).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ["an invalid e-mail", { admin_email: "not-an-email" }, ["body", "admin_email"]],
    ["an unknown organisation size", { organization_size: "huge" }, ["body", "organization_size"]],
    ["a use case over 500 characters", { use_case: "u".repeat(501) }, ["body", "use_case"]],
    ["no organisation name", { organization_name: undefined }, ["body", "organization_name"]],
    ["an invalid slug", { organization_slug: "Not_Valid" }, ["body", "organization_slug"]],
    ["metadata that is not an object", { metadata: "x" }, ["body", "metadata"]],
  ])("answers 422 for %s", async (_, overrides, loc) => {
    const body = registration(overrides);
    const reply = await register(body, await signToken({ sub: `invalid-${uniqueSlug()}` }));
    expect(reply.status, JSON.stringify(reply.body)).toBe(422);
    expect((reply.body.detail as Array<{ loc: string[] }>).map((d) => d.loc)).toContainEqual(loc);
  });

  it("requires a valid credential (401)", async () => {
    const body = registration();
    expect(await register(body, null)).toMatchObject({ status: 401, body: { detail: "Authentication required for tenant registration" } });
    expect((await register(body, await signToken({ sub: "forged", secret: "some-other-secret-of-enough-length" }))).status).toBe(401);
    expect((await register(body, ADMIN_TOKEN)).status).toBe(401);
    expect(await multi.prisma.tenant.findUnique({ where: { slug: body.organization_slug } })).toBeNull();
  });

  it("is refused in single-tenant mode (400)", async () => {
    const body = registration();
    const reply = await register(body, await signToken({ sub: `single-${uniqueSlug()}` }), server);
    expect(reply).toMatchObject({ status: 400, body: { detail: "Tenant registration is only available in multi-tenant mode" } });
    expect(await tenantBySlug(body.organization_slug)).toBeNull();
  });
});
