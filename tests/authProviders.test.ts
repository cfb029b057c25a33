/**
 * The oidc, auth0, clerk and supabase adapters end to end: the real server verifies tokens
 * against a local identity provider (discovery documents and JWKS on 127.0.0.1, keys generated
 * here; RS256 and ES256, HS256 for Supabase's shared-secret projects). Valid tokens map to the
 * right user and tenant; every kind of bad token is a 401 that creates nothing; key rotation
 * needs no restart; key sets are fetched once and cached (requests are counted).
 */
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, uniqueSlug } from "./helpers/actors.js";
import { createSigningKey, signWith, startIdentityProvider, type AsymmetricClaims, type IdentityProvider, type SigningKey } from "./helpers/jwks.js";
import { startServer, type GqlResult } from "./helpers/server.js";

type MeUser = { id: string; tenantId: string; authProvider: string; authSubject: string; email: string | null; displayName: string | null; avatarUrl: string | null };
type MeData = { me: MeUser | null };
const ME = "{ me { id tenantId authProvider authSubject email displayName avatarUrl } }";
const nowSeconds = () => Math.floor(Date.now() / 1000);
const SUPABASE_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

type ProviderCase = {
  name: "oidc" | "auth0" | "clerk" | "supabase";
  env(idp: IdentityProvider): Record<string, string>;
  issuer(idp: IdentityProvider): string;
  audience: string;
  /** The key set's path at the identity provider (fetches are counted there). */
  jwksPath: string;
  /** Claims every valid token of this provider carries besides iss/aud/sub. */
  baseClaims: Record<string, unknown>;
  /** Profile claims in the provider's shape, and what they must map to. */
  profile: Record<string, unknown>;
  expected: { email: string; displayName: string; avatarUrl: string | null };
};

const cases: ProviderCase[] = [
  {
    name: "oidc",
    env: (idp) => ({ BOARDS_AUTH_PROVIDER: "oidc", OIDC_ISSUER: `${idp.origin}/realms/boards`, OIDC_CLIENT_ID: "boards-web" }),
    issuer: (idp) => `${idp.origin}/realms/boards`,
    audience: "boards-web",
    jwksPath: "/realms/boards/jwks",
    baseClaims: {},
    profile: { email: "olive@oidc.example", given_name: "Olive", family_name: "Ito", preferred_username: "olive", picture: "https://img.example/olive.png" },
    expected: { email: "olive@oidc.example", displayName: "Olive Ito", avatarUrl: "https://img.example/olive.png" },
  },
  {
    name: "auth0",
    env: (idp) => ({
      BOARDS_AUTH_PROVIDER: "auth0",
      AUTH0_DOMAIN: "boards-test.eu.auth0.com",
      AUTH0_AUDIENCE: "https://api.boards.test",
      BOARDS_AUTH_CONFIG: JSON.stringify({ issuer: `${idp.origin}/`, jwks_url: `${idp.origin}/.well-known/jwks.json` }),
    }),
    issuer: (idp) => `${idp.origin}/`,
    audience: "https://api.boards.test",
    jwksPath: "/.well-known/jwks.json",
    baseClaims: {},
    profile: { email: "augie@auth0.example", nickname: "augie", picture: "https://img.example/augie.png" },
    expected: { email: "augie@auth0.example", displayName: "augie", avatarUrl: "https://img.example/augie.png" },
  },
  {
    name: "clerk",
    env: (idp) => ({
      BOARDS_AUTH_PROVIDER: "clerk",
      BOARDS_AUTH_CONFIG: JSON.stringify({
        jwks_url: `${idp.origin}/clerk/.well-known/jwks.json`,
        issuer: `${idp.origin}/clerk`,
        audience: "boards-api",
        authorized_parties: ["http://localhost:3033"],
      }),
    }),
    issuer: (idp) => `${idp.origin}/clerk`,
    audience: "boards-api",
    jwksPath: "/clerk/.well-known/jwks.json",
    baseClaims: { azp: "http://localhost:3033" },
    profile: {
      email_addresses: [{ email_address: "clara@clerk.example" }],
      given_name: "Clara",
      family_name: "Kent",
      picture: "https://img.example/clara.png",
    },
    expected: { email: "clara@clerk.example", displayName: "Clara Kent", avatarUrl: "https://img.example/clara.png" },
  },
  {
    name: "supabase",
    env: (idp) => ({ BOARDS_AUTH_PROVIDER: "supabase", BOARDS_SUPABASE_URL: `${idp.origin}/sb`, BOARDS_SUPABASE_JWT_SECRET: SUPABASE_SECRET }),
    issuer: (idp) => `${idp.origin}/sb/auth/v1`,
    audience: "authenticated",
    jwksPath: "/sb/auth/v1/.well-known/jwks.json",
    baseClaims: { role: "authenticated" },
    profile: { email: "sam@supabase.example", user_metadata: { full_name: "Sam Base", avatar_url: "https://img.example/sam.png" } },
    expected: { email: "sam@supabase.example", displayName: "Sam Base", avatarUrl: "https://img.example/sam.png" },
  },
];

/** A rejected request: HTTP 401, one UNAUTHENTICATED error, and no data (never anonymous). */
function expectUnauthenticated(result: GqlResult) {
  expect(result.status, JSON.stringify(result.body)).toBe(401);
  expectError(result, "UNAUTHENTICATED");
  expect(result.errors).toHaveLength(1);
  expect(result.data ?? null).toBeNull();
}

function tamper(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify({ ...decoded, ...claims })).toString("base64url"), signature].join(".");
}

/** An identity provider with fresh RSA and EC keys, and a server using it. */
async function setUp(c: ProviderCase, envOverrides: Record<string, string> = {}) {
  const rsa = await createSigningKey("RS256", `${c.name}-rsa-${uniqueSlug("k")}`);
  const ec = await createSigningKey("ES256", `${c.name}-ec-${uniqueSlug("k")}`);
  const idp = await startIdentityProvider([rsa.publicJwk, ec.publicJwk]);
  const server = await startServer({ BOARDS_JWT_SECRET: "", ...c.env(idp), ...envOverrides });
  const sign = (key: SigningKey, claims: AsymmetricClaims) =>
    signWith(key, { issuer: c.issuer(idp), audience: c.audience, ...c.baseClaims, ...claims });
  const close = async () => {
    await server.close();
    await idp.close();
  };
  return { rsa, ec, idp, server, sign, close };
}

describe.each(cases)("$name adapter", (c) => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp(c);
  });
  afterAll(() => env.close());

  const usersOf = (sub: string) => env.server.prisma.user.findMany({ where: { authSubject: sub }, include: { tenant: true } });

  it.each(["RS256", "ES256"] as const)("maps a valid %s token onto the user of its tenant, with the provider's claim mapping", async (alg) => {
    const tenant = uniqueSlug();
    const sub = `${c.name}-${alg.toLowerCase()}-${tenant}`;
    const key = alg === "RS256" ? env.rsa : env.ec;
    const token = await env.sign(key, { sub, tenant, ...c.profile });
    const { me } = expectData(await env.server.gql<MeData>(ME, undefined, { token }));
    expect(me).toMatchObject({ authProvider: c.name, authSubject: sub, ...c.expected });
    const rows = await usersOf(sub);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tenant.slug).toBe(tenant);
    expect(rows[0]!.id).toBe(me!.id);
    expect(rows[0]!.authProvider).toBe(c.name);
    // The same token again is the same user.
    expect(expectData(await env.server.gql<MeData>(ME, undefined, { token })).me!.id).toBe(me!.id);
  });

  it("takes the tenant from the X-Tenant header when the token names none", async () => {
    const tenant = uniqueSlug();
    const sub = `${c.name}-header-${tenant}`;
    const { me } = expectData(await env.server.gql<MeData>(ME, undefined, { token: await env.sign(env.rsa, { sub }), tenant }));
    expect(me!.tenantId).toBe((await env.server.prisma.tenant.findUniqueOrThrow({ where: { slug: tenant } })).id);
  });

  const refusals: Array<[string, (sub: string) => Promise<string>]> = [
    ["an expired token", (sub) => env.sign(env.rsa, { sub, expiresAt: nowSeconds() - 60 })],
    ["a token that is not valid yet (nbf)", (sub) => env.sign(env.ec, { sub, notBefore: nowSeconds() + 3600 })],
    ["a token from another issuer", (sub) => env.sign(env.rsa, { sub, issuer: "https://impostor.example" })],
    ["a token for another audience", (sub) => env.sign(env.ec, { sub, audience: "another-api" })],
    ["a token naming an unknown kid", (sub) => env.sign(env.rsa, { sub, kid: `unknown-${sub}` })],
    ["a token signed by an unpublished key under a published kid", async (sub) => env.sign({ ...(await createSigningKey("RS256", env.rsa.kid)) }, { sub })],
    [
      "an unsigned token (alg none)",
      (sub) => Promise.resolve(new UnsecuredJWT({ ...c.baseClaims }).setSubject(sub).setIssuer(c.issuer(env.idp)).setAudience(c.audience).setExpirationTime("1h").encode()),
    ],
    ["a token whose payload was tampered with", async (sub) => tamper(await env.sign(env.rsa, { sub: `${sub}-original` }), { sub })],
    ["a token whose signature was tampered with", async (sub) => `${(await env.sign(env.ec, { sub })).slice(0, -4)}AAAA`],
    [
      "an HS256 token keyed with the published public key (algorithm confusion)",
      (sub) =>
        new SignJWT({ ...c.baseClaims })
          .setProtectedHeader({ alg: "HS256", kid: env.rsa.kid })
          .setSubject(sub)
          .setIssuer(c.issuer(env.idp))
          .setAudience(c.audience)
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(JSON.stringify(env.rsa.publicJwk))),
    ],
    ["a token without an expiry", (sub) => env.sign(env.rsa, { sub, expiresAt: null })],
    ["a token without a subject", () => env.sign(env.ec, {})],
  ];

  it.each(refusals)("refuses %s with 401 and creates nothing", async (_, makeToken) => {
    const tenant = uniqueSlug();
    const sub = `${c.name}-refused-${tenant}`;
    const result = await env.server.gql(ME, undefined, { token: await makeToken(sub), tenant });
    expectUnauthenticated(result);
    expect(await usersOf(sub)).toHaveLength(0);
    expect(await env.server.prisma.tenant.findUnique({ where: { slug: tenant } })).toBeNull();
  });

  it("fetches the key set once for many tokens, from both keys", async () => {
    const fresh = await setUp(c);
    try {
      for (let i = 0; i < 6; i++) {
        const token = await fresh.sign(i % 2 ? fresh.ec : fresh.rsa, { sub: `${c.name}-cached-${i}` });
        expectData(await fresh.server.gql(ME, undefined, { token, tenant: "default" }));
      }
      expect(fresh.idp.requests(c.jwksPath)).toBe(1);
      // Everything the provider served, discovery included for oidc.
      expect(fresh.idp.requests()).toBe(c.name === "oidc" ? 2 : 1);
    } finally {
      await fresh.close();
    }
  });

  it("picks up a rotated key without a restart, and refetches for unknown kids at most once per cooldown", async () => {
    const fresh = await setUp(c);
    try {
      const me = async (key: SigningKey, claims: AsymmetricClaims) =>
        fresh.server.gql<MeData>(ME, undefined, { token: await fresh.sign(key, claims), tenant: "default" });
      expectData(await me(fresh.rsa, { sub: `${c.name}-before-rotation` }));
      expect(fresh.idp.requests(c.jwksPath)).toBe(1);

      const next = await createSigningKey("RS256", `${c.name}-rotated-${uniqueSlug("k")}`);
      fresh.idp.setKeys([next.publicJwk]);
      expect(expectData(await me(next, { sub: `${c.name}-after-rotation` })).me?.authSubject).toBe(`${c.name}-after-rotation`);
      expect(fresh.idp.requests(c.jwksPath)).toBe(2);

      // Made-up kids right after do not reach the provider again.
      for (let i = 0; i < 3; i++) expectUnauthenticated(await me(next, { sub: "flood", kid: `made-up-${i}` }));
      // The retired key is no longer accepted.
      expectUnauthenticated(await me(fresh.rsa, { sub: `${c.name}-retired` }));
      expect(fresh.idp.requests(c.jwksPath)).toBe(2);
    } finally {
      await fresh.close();
    }
  });

  it("answers 503 (not 401, not anonymous) while the provider's keys cannot be loaded", async () => {
    const fresh = await setUp(c);
    try {
      fresh.idp.setFailure(500);
      const tenant = uniqueSlug();
      const sub = `${c.name}-unavailable-${tenant}`;
      const result = await fresh.server.gql(ME, undefined, { token: await fresh.sign(fresh.rsa, { sub }), tenant });
      expect(result.status).toBe(503);
      expectError(result, "SERVICE_UNAVAILABLE");
      expect(result.data ?? null).toBeNull();
      expect(await usersOf(sub)).toHaveLength(0);
    } finally {
      await fresh.close();
    }
  });
});

describe("supabase: projects on the legacy shared secret (HS256)", () => {
  const c = cases.find((p) => p.name === "supabase")!;
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp(c);
  });
  afterAll(() => env.close());

  const hs256 = (sub: string, secret: string, audience = "authenticated") =>
    new SignJWT({ role: audience, ...c.profile })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(sub)
      .setIssuer(c.issuer(env.idp))
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));

  it("verifies HS256 tokens with the project JWT secret, without fetching keys", async () => {
    const sub = `sb-hs-${uniqueSlug()}`;
    const before = env.idp.requests();
    const { me } = expectData(await env.server.gql<MeData>(ME, undefined, { token: await hs256(sub, SUPABASE_SECRET), tenant: "default" }));
    expect(me).toMatchObject({ authProvider: "supabase", authSubject: sub, ...c.expected });
    expect(env.idp.requests()).toBe(before);
  });

  it.each<[string, (sub: string) => Promise<string>]>([
    ["signed with another secret", (sub) => hs256(sub, "another-secret-that-is-also-quite-long-enough")],
    ["for the anon role's audience", (sub) => hs256(sub, SUPABASE_SECRET, "anon")],
    ["with an HS512 signature", (sub) =>
      new SignJWT({}).setProtectedHeader({ alg: "HS512" }).setSubject(sub).setIssuer(c.issuer(env.idp)).setAudience("authenticated").setExpirationTime("1h").sign(new TextEncoder().encode(SUPABASE_SECRET))],
  ])("refuses a token %s", async (_, makeToken) => {
    expectUnauthenticated(await env.server.gql(ME, undefined, { token: await makeToken(`sb-bad-${uniqueSlug()}`), tenant: "default" }));
  });

  it("refuses HS256 altogether when no project secret is configured", async () => {
    const noSecret = await setUp(c, { BOARDS_SUPABASE_JWT_SECRET: "" });
    try {
      expectUnauthenticated(await noSecret.server.gql(ME, undefined, { token: await hs256(`sb-nosecret-${uniqueSlug()}`, SUPABASE_SECRET), tenant: "default" }));
      // Asymmetric tokens still work from the JWKS.
      expectData(await noSecret.server.gql(ME, undefined, { token: await noSecret.sign(noSecret.ec, { sub: `sb-ec-${uniqueSlug()}` }), tenant: "default" }));
    } finally {
      await noSecret.close();
    }
  });
});

describe("clerk: authorized parties", () => {
  const c = cases.find((p) => p.name === "clerk")!;
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp(c);
  });
  afterAll(() => env.close());

  it("refuses a token issued to another origin (azp)", async () => {
    const token = await env.sign(env.rsa, { sub: `clerk-azp-${uniqueSlug()}`, azp: "https://evil.example" });
    expectUnauthenticated(await env.server.gql(ME, undefined, { token, tenant: "default" }));
  });

  it("accepts a token without azp, as Clerk's SDK does", async () => {
    const { azp: _, ...withoutAzp } = c.baseClaims;
    const token = await signWith(env.rsa, { sub: `clerk-noazp-${uniqueSlug()}`, issuer: c.issuer(env.idp), audience: c.audience, ...withoutAzp });
    expectData(await env.server.gql(ME, undefined, { token, tenant: "default" }));
  });
});

describe("oidc: discovery", () => {
  const c = cases.find((p) => p.name === "oidc")!;

  it("answers 503 when the discovery document names another issuer, and never uses its keys", async () => {
    const env = await setUp(c);
    try {
      env.idp.setDiscovery("/realms/boards", { issuer: "https://impostor.example" });
      const result = await env.server.gql(ME, undefined, { token: await env.sign(env.rsa, { sub: `oidc-mismatch-${uniqueSlug()}` }), tenant: "default" });
      expect(result.status).toBe(503);
      expectError(result, "SERVICE_UNAVAILABLE");
      expect(env.idp.requests(c.jwksPath)).toBe(0);
    } finally {
      await env.close();
    }
  });

  it("skips discovery when jwks_url is configured", async () => {
    const env = await setUp(c);
    await env.server.close();
    const server = await startServer({ BOARDS_JWT_SECRET: "", ...c.env(env.idp), OIDC_JWKS_URL: `${env.idp.origin}/direct/jwks` });
    try {
      expectData(await server.gql(ME, undefined, { token: await env.sign(env.ec, { sub: `oidc-direct-${uniqueSlug()}` }), tenant: "default" }));
      expect(env.idp.requests("/direct/jwks")).toBe(1);
      expect(env.idp.requests("/realms/boards/.well-known/openid-configuration")).toBe(0);
    } finally {
      await server.close();
      await env.idp.close();
    }
  });
});
