/**
 * Authentication and tenant resolution over HTTP: the `none` and `jwt` adapters (shared secret
 * and JWKS), rejected tokens, just-in-time users, the tenant of a request, the X-Tenant header
 * and multi-tenant mode.
 */
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, signToken, uniqueSlug } from "./helpers/actors.js";
import { createSigningKey, signWith, startJwksServer, type JwksServer, type SigningKey } from "./helpers/jwks.js";
import { rawRequest } from "./helpers/rawHttp.js";
import { startServer, TEST_JWT_SECRET, type GqlResult, type TestServer } from "./helpers/server.js";

type MeUser = {
  id: string;
  tenantId: string;
  authProvider: string;
  authSubject: string;
  email: string | null;
  displayName: string | null;
  avatarUrl: string | null;
};
type MeData = { me: MeUser | null };

const ME = "{ me { id tenantId authProvider authSubject email displayName avatarUrl } }";
const nowSeconds = () => Math.floor(Date.now() / 1000);

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** A rejected request: HTTP 401, one UNAUTHENTICATED error, and no data at all (not anonymous). */
function expectUnauthenticated(result: GqlResult, message?: string | RegExp) {
  expect(result.status, JSON.stringify(result.body)).toBe(401);
  expectError(result, "UNAUTHENTICATED", message);
  expect(result.errors).toHaveLength(1);
  expect(result.data ?? null).toBeNull();
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

function usersOf(subject: string, provider = "jwt") {
  return server.prisma.user.findMany({ where: { authProvider: provider, authSubject: subject }, include: { tenant: true } });
}

function tenantBySlug(slug: string) {
  return server.prisma.tenant.findUnique({ where: { slug } });
}

describe("auth provider none (development)", () => {
  let dev: TestServer;
  let defaultDev: TestServer;
  const subject = `dev-${uniqueSlug("u")}`;
  beforeAll(async () => {
    dev = await startServer({ BOARDS_AUTH_PROVIDER: "none", BOARDS_AUTH_CONFIG: JSON.stringify({ default_user_id: subject }) });
    defaultDev = await startServer({ BOARDS_AUTH_PROVIDER: "none" });
  });
  afterAll(async () => {
    await dev.close();
    await defaultDev.close();
  });

  it("treats a request without a token as the configured dev user", async () => {
    const tenant = uniqueSlug();
    const { me } = expectData(await dev.gql<MeData>(ME, undefined, { tenant }));
    expect(me).toMatchObject({
      authProvider: "none",
      authSubject: subject,
      email: "dev@example.com",
      displayName: "Development User",
    });
    const tenantRow = await tenantBySlug(tenant);
    expect(me!.tenantId).toBe(tenantRow!.id);
  });

  it("treats every token, valid or not, as the same dev user", async () => {
    const tenant = uniqueSlug();
    const first = expectData(await dev.gql<MeData>(ME, undefined, { tenant })).me!;
    const otherUsersToken = await signToken({ sub: `someone-${tenant}`, email: "someone@example.com" });
    for (const headers of [bearer("not-a-jwt"), bearer(otherUsersToken), bearer(`${otherUsersToken}x`)]) {
      const { me } = expectData(await dev.gql<MeData>(ME, undefined, { tenant, headers }));
      expect(me).toMatchObject({ id: first.id, authProvider: "none", authSubject: subject });
    }
    const rows = await usersOf(subject, "none");
    expect(rows.filter((row) => row.tenant.slug === tenant)).toHaveLength(1);
    expect(await usersOf(`someone-${tenant}`)).toHaveLength(0);
  });

  it("uses the subject dev-user when no default_user_id is configured", async () => {
    const tenant = uniqueSlug();
    const { me } = expectData(await defaultDev.gql<MeData>(ME, undefined, { tenant }));
    expect(me).toMatchObject({ authProvider: "none", authSubject: "dev-user", email: "dev@example.com" });
  });
});

describe("auth provider jwt: accepted callers", () => {
  it("treats a request without an Authorization header as anonymous and creates nothing", async () => {
    const tenant = uniqueSlug();
    const result = await server.gql<MeData>(ME, undefined, { tenant });
    expect(expectData(result)).toEqual({ me: null });
    expect(await tenantBySlug(tenant)).toBeNull();
  });

  it("maps a valid token's claims onto the signed-in user", async () => {
    const tenant = uniqueSlug();
    const sub = `alice-${tenant}`;
    const token = await signToken({ sub, email: "alice@example.com", name: "Alice A.", picture: "https://img.example/alice.png" });
    const { me } = expectData(await server.gql<MeData>(ME, undefined, { token, tenant }));
    expect(me).toMatchObject({
      authProvider: "jwt",
      authSubject: sub,
      email: "alice@example.com",
      displayName: "Alice A.",
      avatarUrl: "https://img.example/alice.png",
    });
  });

  it("accepts the Bearer scheme in any letter case", async () => {
    const tenant = uniqueSlug();
    const token = await signToken({ sub: `case-${tenant}` });
    const { me } = expectData(await server.gql<MeData>(ME, undefined, { tenant, headers: { authorization: `bearer ${token}` } }));
    expect(me?.authSubject).toBe(`case-${tenant}`);
  });
});

describe("auth provider jwt: rejected tokens are 401, never anonymous", () => {
  const secret = new TextEncoder().encode(TEST_JWT_SECRET);

  function tamperSubject(token: string, newSub: string): string {
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: newSub })).toString("base64url");
    return [header, forged, signature].join(".");
  }

  const cases: Array<[string, (sub: string) => Promise<string>, (string | RegExp)?]> = [
    ["an expired token", (sub) => signToken({ sub, expiresIn: nowSeconds() - 60 }), "Token has expired"],
    ["a token not valid yet (nbf in the future)", (sub) => signToken({ sub, notBefore: nowSeconds() + 3600 })],
    ["a token from another issuer", (sub) => signToken({ sub, issuer: "someone-else" })],
    ["a token for another audience", (sub) => signToken({ sub, audience: "another-api" })],
    ["a token signed with another secret", (sub) => signToken({ sub, secret: "a-different-secret-of-sufficient-length" })],
    ["a token whose payload was tampered with", async (sub) => tamperSubject(await signToken({ sub: `${sub}-original` }), sub)],
    [
      "an unsigned token (alg none)",
      (sub) => Promise.resolve(new UnsecuredJWT({}).setSubject(sub).setIssuer("boards").setAudience("boards-api").setExpirationTime("1h").encode()),
    ],
    [
      "a token signed with another HMAC algorithm (HS512)",
      (sub) => new SignJWT({}).setProtectedHeader({ alg: "HS512" }).setSubject(sub).setIssuer("boards").setAudience("boards-api").setExpirationTime("1h").sign(secret),
    ],
    [
      "a token without a sub claim",
      () => new SignJWT({ email: "nosub@example.com" }).setProtectedHeader({ alg: "HS256" }).setIssuer("boards").setAudience("boards-api").setExpirationTime("1h").sign(secret),
      /sub/,
    ],
    ["a token with a blank sub claim", () => signToken({ sub: "   " })],
    ["a string that is not a JWT", () => Promise.resolve("not-a-jwt")],
  ];

  it.each(cases)("rejects %s", async (_, makeToken, message) => {
    const tenant = uniqueSlug();
    const sub = `rejected-${tenant}`;
    const token = await makeToken(sub);
    const result = await server.gql<MeData>(ME, undefined, { tenant, headers: bearer(token) });
    expectUnauthenticated(result, message);
    expect(await usersOf(sub)).toHaveLength(0);
    expect(await tenantBySlug(tenant)).toBeNull();
  });

  it.each([
    ["a Basic credential", "Basic dXNlcjpwYXNzd29yZA=="],
    ["a token without a scheme", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"],
    ["another scheme", "Token abc"],
    ["the Bearer scheme without a token", "Bearer"],
    ["the Bearer scheme followed by blanks only", "Bearer    "],
  ])("rejects an Authorization header with %s", async (_, authorization) => {
    const result = await server.gql<MeData>(ME, undefined, { tenant: uniqueSlug(), headers: { authorization } });
    expectUnauthenticated(result);
  });

  it("treats an Authorization header that is present but blank as no header (anonymous), as Boards does", async () => {
    const response = await rawRequest(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "", "content-length": Buffer.byteLength(JSON.stringify({ query: ME })) },
      body: JSON.stringify({ query: ME }),
    });
    const body = response.json<{ data?: { me: unknown }; errors?: unknown[] }>();
    expect(response.status, response.text).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.me).toBeNull();
  });

  it("answers 'Bearer' with nothing after it with 401 Empty token", async () => {
    const result = await server.gql(ME, {}, { headers: { authorization: "Bearer " } });
    expect(result.status).toBe(401);
    expectError(result, "UNAUTHENTICATED", "Empty token");
  });

  it("rejects a mutation with a rejected token instead of running it anonymously", async () => {
    const tenant = uniqueSlug();
    const token = await signToken({ sub: `mut-${tenant}`, expiresIn: nowSeconds() - 60 });
    const title = `Board of ${tenant}`;
    const result = await server.gql(`mutation($title: String!) { createBoard(input: { title: $title }) { id } }`, { title }, { tenant, token });
    expectUnauthenticated(result, "Token has expired");
    expect(await server.prisma.board.count({ where: { title } })).toBe(0);
  });
});

describe("auth provider jwt: configuration", () => {
  it("prefers secret_key in BOARDS_AUTH_CONFIG over BOARDS_JWT_SECRET", async () => {
    const configSecret = `config-secret-${uniqueSlug()}-long-enough`;
    const configured = await startServer({ BOARDS_AUTH_CONFIG: JSON.stringify({ secret_key: configSecret }) });
    try {
      const tenant = uniqueSlug();
      const good = await signToken({ sub: `cfg-${tenant}`, secret: configSecret });
      expect(expectData(await configured.gql<MeData>(ME, undefined, { tenant, token: good })).me?.authSubject).toBe(`cfg-${tenant}`);
      const envSigned = await signToken({ sub: `env-${tenant}` });
      expectUnauthenticated(await configured.gql(ME, undefined, { tenant, token: envSigned }));
    } finally {
      await configured.close();
    }
  });

  it("uses secret_key alone when BOARDS_JWT_SECRET is not set", async () => {
    const configSecret = `only-config-secret-${uniqueSlug()}-long-enough`;
    const configured = await startServer({ BOARDS_JWT_SECRET: "", BOARDS_AUTH_CONFIG: JSON.stringify({ secret_key: configSecret }) });
    try {
      const tenant = uniqueSlug();
      const token = await signToken({ sub: `only-${tenant}`, secret: configSecret });
      expect(expectData(await configured.gql<MeData>(ME, undefined, { tenant, token })).me?.authSubject).toBe(`only-${tenant}`);
    } finally {
      await configured.close();
    }
  });

  it("checks the configured issuer and audience instead of the defaults", async () => {
    const configured = await startServer({ BOARDS_AUTH_CONFIG: JSON.stringify({ issuer: "https://idp.example", audience: "custom-api" }) });
    try {
      const tenant = uniqueSlug();
      const custom = await signToken({ sub: `iss-${tenant}`, issuer: "https://idp.example", audience: "custom-api" });
      expect(expectData(await configured.gql<MeData>(ME, undefined, { tenant, token: custom })).me?.authSubject).toBe(`iss-${tenant}`);
      const defaults = await signToken({ sub: `iss-${tenant}` });
      expectUnauthenticated(await configured.gql(ME, undefined, { tenant, token: defaults }));
      const wrongAudience = await signToken({ sub: `iss-${tenant}`, issuer: "https://idp.example" });
      expectUnauthenticated(await configured.gql(ME, undefined, { tenant, token: wrongAudience }));
      const wrongIssuer = await signToken({ sub: `iss-${tenant}`, audience: "custom-api" });
      expectUnauthenticated(await configured.gql(ME, undefined, { tenant, token: wrongIssuer }));
    } finally {
      await configured.close();
    }
  });
});

describe("auth provider jwt: JWKS (RS256 / ES256)", () => {
  let jwks: JwksServer;
  let jwksServer: TestServer;
  let rsa: SigningKey;
  let ec: SigningKey;
  let rogue: SigningKey;
  beforeAll(async () => {
    rsa = await createSigningKey("RS256", "rsa-key-1");
    ec = await createSigningKey("ES256", "ec-key-1");
    // Same kid as the published RSA key, different key material.
    rogue = await createSigningKey("RS256", "rsa-key-1");
    jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk]);
    jwksServer = await startServer({ BOARDS_JWT_SECRET: "", BOARDS_AUTH_CONFIG: JSON.stringify({ jwks_url: jwks.url }) });
  });
  afterAll(async () => {
    await jwksServer.close();
    await jwks.close();
  });

  it.each([
    ["RS256", () => rsa],
    ["ES256", () => ec],
  ])("accepts a %s token signed with a published key", async (_, key) => {
    const tenant = uniqueSlug();
    const sub = `${key().alg.toLowerCase()}-${tenant}`;
    const token = await signWith(key(), { sub, email: `${sub}@example.com`, name: "Key Holder" });
    const { me } = expectData(await jwksServer.gql<MeData>(ME, undefined, { tenant, token }));
    expect(me).toMatchObject({ authProvider: "jwt", authSubject: sub, email: `${sub}@example.com`, displayName: "Key Holder" });
    expect(jwks.fetches()).toBeGreaterThan(0);
  });

  it.each<[string, () => Promise<string>]>([
    ["signed with an unpublished key under a published kid", () => signWith(rogue, { sub: "rogue" })],
    ["naming a kid the JWKS does not have", () => signWith(rsa, { sub: "rogue", kid: "unknown-kid" })],
    ["signed with HS256 and the shared test secret", () => signToken({ sub: "rogue" })],
    ["for another audience", () => signWith(rsa, { sub: "rogue", audience: "another-api" })],
    ["from another issuer", () => signWith(ec, { sub: "rogue", issuer: "elsewhere" })],
    ["without a sub claim", () => signWith(rsa, {})],
  ])("rejects a token %s", async (_, makeToken) => {
    const tenant = uniqueSlug();
    const result = await jwksServer.gql(ME, undefined, { tenant, token: await makeToken() });
    expectUnauthenticated(result);
    expect(await tenantBySlug(tenant)).toBeNull();
  });

  it("rejects an expired RS256 token", async () => {
    const { privateKey, kid } = rsa;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid })
      .setSubject("expired-rsa")
      .setIssuer("boards")
      .setAudience("boards-api")
      .setExpirationTime(nowSeconds() - 60)
      .sign(privateKey);
    expectUnauthenticated(await jwksServer.gql(ME, undefined, { tenant: uniqueSlug(), token }), "Token has expired");
  });
});

describe("just-in-time users", () => {
  it("creates exactly one users row on the first request and reuses it afterwards", async () => {
    const tenant = uniqueSlug();
    const sub = `jit-${tenant}`;
    expect(await usersOf(sub)).toHaveLength(0);
    const token = await signToken({ sub, email: "jit@example.com" });
    const first = expectData(await server.gql<MeData>(ME, undefined, { tenant, token })).me!;
    const rows = await usersOf(sub);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.id, authProvider: "jwt", authSubject: sub, email: "jit@example.com" });
    expect(rows[0]!.tenant.slug).toBe(tenant);
    expect(rows[0]!.metadata).toMatchObject({ created_via: "jit_provisioning", provider_claims: { sub, email: "jit@example.com" } });

    const again = await signToken({ sub });
    for (let i = 0; i < 3; i++) {
      expect(expectData(await server.gql<MeData>(ME, undefined, { tenant, token: again })).me!.id).toBe(first.id);
    }
    expect(await usersOf(sub)).toHaveLength(1);
  });

  it("creates one row when several first requests arrive at once", async () => {
    const tenant = uniqueSlug();
    const sub = `race-${tenant}`;
    const token = await signToken({ sub });
    const results = await Promise.all(Array.from({ length: 8 }, () => server.gql<MeData>(ME, undefined, { tenant, token })));
    const ids = new Set(results.map((result) => expectData(result).me!.id));
    expect(ids.size).toBe(1);
    expect(await usersOf(sub)).toHaveLength(1);
    expect(await server.prisma.tenant.count({ where: { slug: tenant } })).toBe(1);
  });

  it("fills empty profile fields from later tokens but never overwrites them", async () => {
    const tenant = uniqueSlug();
    const sub = `profile-${tenant}`;
    const bare = await signToken({ sub });
    const created = expectData(await server.gql<MeData>(ME, undefined, { tenant, token: bare })).me!;
    expect(created).toMatchObject({ email: null, displayName: null, avatarUrl: null });

    const full = await signToken({ sub, email: "first@example.com", name: "First Name", picture: "https://img.example/first.png" });
    const filled = expectData(await server.gql<MeData>(ME, undefined, { tenant, token: full })).me!;
    expect(filled).toMatchObject({ id: created.id, email: "first@example.com", displayName: "First Name", avatarUrl: "https://img.example/first.png" });

    const changed = await signToken({ sub, email: "second@example.com", name: "Second Name", picture: "https://img.example/second.png" });
    const kept = expectData(await server.gql<MeData>(ME, undefined, { tenant, token: changed })).me!;
    expect(kept).toMatchObject({ id: created.id, email: "first@example.com", displayName: "First Name", avatarUrl: "https://img.example/first.png" });

    const rows = await usersOf(sub);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: "first@example.com", displayName: "First Name", avatarUrl: "https://img.example/first.png" });
  });

  it("fills only the fields that are still empty", async () => {
    const tenant = uniqueSlug();
    const sub = `partial-${tenant}`;
    expectData(await server.gql(ME, undefined, { tenant, token: await signToken({ sub, email: "kept@example.com" }) }));
    const later = await signToken({ sub, email: "other@example.com", name: "Now Named" });
    const { me } = expectData(await server.gql<MeData>(ME, undefined, { tenant, token: later }));
    expect(me).toMatchObject({ email: "kept@example.com", displayName: "Now Named", avatarUrl: null });
  });

  it("keeps one user per (tenant, provider, subject)", async () => {
    const tenantA = uniqueSlug();
    const tenantB = uniqueSlug();
    const sub = `multi-${tenantA}`;
    const token = await signToken({ sub });
    const inA = expectData(await server.gql<MeData>(ME, undefined, { tenant: tenantA, token })).me!;
    const inB = expectData(await server.gql<MeData>(ME, undefined, { tenant: tenantB, token })).me!;
    expect(inA.id).not.toBe(inB.id);
    expect(inA.tenantId).not.toBe(inB.tenantId);

    const dev = await startServer({ BOARDS_AUTH_PROVIDER: "none", BOARDS_AUTH_CONFIG: JSON.stringify({ default_user_id: sub }) });
    try {
      const viaNone = expectData(await dev.gql<MeData>(ME, undefined, { tenant: tenantA })).me!;
      expect(viaNone).toMatchObject({ authProvider: "none", authSubject: sub, tenantId: inA.tenantId });
      expect(viaNone.id).not.toBe(inA.id);
    } finally {
      await dev.close();
    }
    const rows = await server.prisma.user.findMany({ where: { authSubject: sub } });
    expect(rows.map((row) => `${row.tenantId}/${row.authProvider}`).sort()).toEqual(
      [`${inA.tenantId}/jwt`, `${inB.tenantId}/jwt`, `${inA.tenantId}/none`].sort(),
    );
  });
});

describe("tenant of a request (single-tenant mode)", () => {
  it("takes the token's tenant claim over the X-Tenant header", async () => {
    const claimed = uniqueSlug();
    const header = uniqueSlug();
    const token = await signToken({ sub: `claim-${claimed}`, tenant: claimed });
    const { me } = expectData(await server.gql<MeData>(ME, undefined, { tenant: header, token }));
    const claimedRow = await tenantBySlug(claimed);
    expect(claimedRow).not.toBeNull();
    expect(me!.tenantId).toBe(claimedRow!.id);
    expect(await tenantBySlug(header)).toBeNull();
  });

  it("takes the X-Tenant header when the token has no tenant claim", async () => {
    const header = uniqueSlug();
    const token = await signToken({ sub: `header-${header}` });
    const { me } = expectData(await server.gql<MeData>(ME, undefined, { tenant: header, token }));
    expect(me!.tenantId).toBe((await tenantBySlug(header))!.id);
  });

  it("falls back to the default tenant without claim or header", async () => {
    const token = await signToken({ sub: `fallback-${uniqueSlug()}` });
    const { me } = expectData(await server.gql<MeData>(ME, undefined, { token }));
    const defaultTenant = await tenantBySlug("default");
    expect(defaultTenant).not.toBeNull();
    expect(me!.tenantId).toBe(defaultTenant!.id);
  });

  it("falls back to BOARDS_DEFAULT_TENANT_SLUG, creating it with BOARDS_TENANT_NAME", async () => {
    const slug = uniqueSlug("home");
    const custom = await startServer({ BOARDS_DEFAULT_TENANT_SLUG: slug, BOARDS_TENANT_NAME: "Home Studio" });
    try {
      const { me } = expectData(await custom.gql<MeData>(ME, undefined, { token: await signToken({ sub: `home-${slug}` }) }));
      const row = await tenantBySlug(slug);
      expect(row).toMatchObject({ slug, name: "Home Studio" });
      expect(me!.tenantId).toBe(row!.id);
    } finally {
      await custom.close();
    }
  });

  it("creates an unknown tenant on first authenticated sight, named after its slug, once", async () => {
    const slug = uniqueSlug("new");
    expect(await tenantBySlug(slug)).toBeNull();
    for (const name of ["first", "second"]) {
      expectData(await server.gql(ME, undefined, { tenant: slug, token: await signToken({ sub: `${name}-${slug}` }) }));
    }
    const rows = await server.prisma.tenant.findMany({ where: { slug } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe(slug);
  });

  it("never creates a tenant for an anonymous caller", async () => {
    const slug = uniqueSlug("anon");
    const result = await server.gql<{ me: null; publicBoards: unknown[]; tags: unknown[] }>("{ me { id } publicBoards { id } tags { id } }", undefined, {
      tenant: slug,
    });
    expect(expectData(result)).toEqual({ me: null, publicBoards: [], tags: [] });
    expect(await tenantBySlug(slug)).toBeNull();
  });

  it.each<[string, unknown]>([
    ["with capitals and an underscore", "Bad_Slug"],
    ["with a leading hyphen", "-acme"],
    ["that is empty", ""],
    ["that is too long", "a".repeat(256)],
    ["that is a number", 42],
    ["that is an object", { slug: "acme" }],
  ])("rejects a tenant claim %s with 401", async (_, tenantClaim) => {
    const header = uniqueSlug();
    const sub = `badclaim-${header}`;
    const token = await new SignJWT({ tenant: tenantClaim })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setIssuer("boards")
      .setAudience("boards-api")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expectUnauthenticated(await server.gql(ME, undefined, { tenant: header, token }));
    expect(await usersOf(sub)).toHaveLength(0);
    expect(await tenantBySlug(header)).toBeNull();
  });
});

describe("X-Tenant header format", () => {
  const invalid: Array<[string, string]> = [
    ["capitals and underscore", "Bad_Slug"],
    ["upper case", "ACME"],
    ["a leading hyphen", "-acme"],
    ["a trailing hyphen", "acme-"],
    ["a dot", "acme.corp"],
    ["a space", "acme corp"],
    ["a slash", "acme/../other"],
    ["256 characters", "a".repeat(256)],
  ];

  it.each(invalid)("refuses POST /graphql with an X-Tenant with %s (400)", async (_, value) => {
    const token = await signToken({ sub: `xt-${uniqueSlug()}` });
    const result = await server.gql(ME, undefined, { token, headers: { "x-tenant": value } });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: "Invalid X-Tenant header format", detail: expect.any(String), provided_tenant: value });
    expect(result.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it.each(invalid)("refuses GET /graphql and /api/* with an X-Tenant with %s (400)", async (_, value) => {
    for (const path of [`/graphql?query=${encodeURIComponent("{ __typename }")}`, "/api/anything"]) {
      const response = await server.fetch(path, { headers: { "x-tenant": value, "x-graphql-yoga-csrf": "1" } });
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toMatchObject({ error: "Invalid X-Tenant header format" });
    }
  });

  it("does not provision anything for a request refused for its X-Tenant", async () => {
    const sub = `refused-${uniqueSlug()}`;
    const token = await signToken({ sub, tenant: uniqueSlug() });
    const result = await server.gql(ME, undefined, { token, headers: { "x-tenant": "Not_Valid" } });
    expect(result.status).toBe(400);
    expect(await usersOf(sub)).toHaveLength(0);
  });

  it.each([
    ["a single character", "a"],
    ["digits and inner hyphens", "9-lives-2"],
    ["255 characters", `${"a".repeat(254)}z`],
  ])("accepts an X-Tenant of %s", async (_, value) => {
    const result = await server.gql<MeData>(ME, undefined, { tenant: value });
    expect(expectData(result)).toEqual({ me: null });
  });

  it("does not check X-Tenant on /health", async () => {
    const response = await server.fetch("/health", { headers: { "x-tenant": "Bad_Slug" } });
    expect(response.status).toBe(200);
  });
});

describe("multi-tenant mode", () => {
  let multi: TestServer;
  let known: string;
  beforeAll(async () => {
    multi = await startServer({ BOARDS_MULTI_TENANT_MODE: "true" });
    known = uniqueSlug("known");
    await multi.prisma.tenant.create({ data: { slug: known, name: "Known Tenant" } });
  });
  afterAll(() => multi.close());

  const missingHeader = {
    error: "Missing X-Tenant header",
    detail: "X-Tenant header is required in multi-tenant mode for this endpoint",
    multi_tenant_mode: true,
  };

  it("refuses POST /graphql without X-Tenant with 400, even with a tenant claim", async () => {
    const anonymous = await multi.gql(ME);
    expect(anonymous.status).toBe(400);
    expect(anonymous.body).toEqual(missingHeader);

    const sub = `mt-${known}`;
    const withClaim = await multi.gql(ME, undefined, { token: await signToken({ sub, tenant: known }) });
    expect(withClaim.status).toBe(400);
    expect(withClaim.body).toEqual(missingHeader);
    expect(await usersOf(sub)).toHaveLength(0);
  });

  it("refuses GET /graphql and /api/* without X-Tenant with 400", async () => {
    for (const path of [`/graphql?query=${encodeURIComponent("{ __typename }")}`, "/api/anything"]) {
      const response = await multi.fetch(path, { headers: { "x-graphql-yoga-csrf": "1" } });
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toEqual(missingHeader);
    }
  });

  it("serves /health and /ready without X-Tenant", async () => {
    const health = await multi.fetch("/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "healthy" });
    expect((await multi.fetch("/ready")).status).toBe(200);
  });

  it("still refuses a malformed X-Tenant with the format error", async () => {
    const result = await multi.gql(ME, undefined, { tenant: "Bad_Slug" });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: "Invalid X-Tenant header format", provided_tenant: "Bad_Slug" });
  });

  it("serves a known tenant to signed-in and anonymous callers", async () => {
    const sub = `member-${known}`;
    const { me } = expectData(await multi.gql<MeData>(ME, undefined, { tenant: known, token: await signToken({ sub }) }));
    expect(me).toMatchObject({ authSubject: sub, tenantId: (await tenantBySlug(known))!.id });
    expect(expectData(await multi.gql<MeData>(ME, undefined, { tenant: known }))).toEqual({ me: null });
  });

  it("answers 403 FORBIDDEN for an unknown tenant and creates nothing", async () => {
    const unknown = uniqueSlug("unknown");
    const sub = `stranger-${unknown}`;
    const signedIn = await multi.gql(ME, undefined, { tenant: unknown, token: await signToken({ sub }) });
    expect(signedIn.status).toBe(403);
    expectError(signedIn, "FORBIDDEN");
    expect(signedIn.data ?? null).toBeNull();

    const anonymous = await multi.gql(ME, undefined, { tenant: unknown });
    expect(anonymous.status).toBe(403);
    expectError(anonymous, "FORBIDDEN");

    expect(await tenantBySlug(unknown)).toBeNull();
    expect(await usersOf(sub)).toHaveLength(0);
  });

  it("answers 403 when the token's tenant claim names an unknown tenant, whatever the header says", async () => {
    const unknown = uniqueSlug("unknown");
    const result = await multi.gql(ME, undefined, { tenant: known, token: await signToken({ sub: `claim-${unknown}`, tenant: unknown }) });
    expect(result.status).toBe(403);
    expectError(result, "FORBIDDEN");
    expect(await tenantBySlug(unknown)).toBeNull();
  });
});
