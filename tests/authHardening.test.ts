/**
 * Token and tenant rules that used to be too lenient: tokens without `exp`, and tenants picked
 * from any e-mail address's first domain label (the configuration side, short HS256 secrets
 * and the domain map, is in src/auth/authSettings.test.ts).
 */
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, signToken, uniqueSlug } from "./helpers/actors.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/server.js";

const ME = "{ me { id tenantId authSubject } }";

describe("tokens without exp", () => {
  let strict: TestServer;
  let lenient: TestServer;
  beforeAll(async () => {
    [strict, lenient] = await Promise.all([startServer(), startServer({ BOARDS_AUTH_CONFIG: JSON.stringify({ require_exp: false }) })]);
  });
  afterAll(async () => {
    await Promise.all([strict.close(), lenient.close()]);
  });

  const withoutExp = (sub: string) =>
    new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuer("boards").setAudience("boards-api").setIssuedAt().sign(new TextEncoder().encode(TEST_JWT_SECRET));

  it("are refused with 401 by default, creating no user", async () => {
    const sub = `noexp-${randomBytes(4).toString("hex")}`;
    const result = await strict.gql(ME, undefined, { token: await withoutExp(sub), tenant: uniqueSlug() });
    expect(result.status).toBe(401);
    expectError(result, "UNAUTHENTICATED", 'Invalid token: missing required "exp" claim');
    expect(await strict.prisma.user.count({ where: { authSubject: sub } })).toBe(0);
  });

  it("are accepted when BOARDS_AUTH_CONFIG sets require_exp to false (an expired exp still is not)", async () => {
    const sub = `noexp-${randomBytes(4).toString("hex")}`;
    const data = expectData(await lenient.gql<{ me: { authSubject: string } }>(ME, undefined, { token: await withoutExp(sub), tenant: uniqueSlug() }));
    expect(data.me.authSubject).toBe(sub);
    const expired = await signToken({ sub, expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expectError(await lenient.gql(ME, undefined, { token: expired }), "UNAUTHENTICATED", "Token has expired");
  });
});

describe("the tenant of an e-mail address (multi-tenant mode)", () => {
  let server: TestServer;
  const mapped = uniqueSlug("corp");
  beforeAll(async () => {
    server = await startServer({
      BOARDS_MULTI_TENANT_MODE: "true",
      BOARDS_TENANT_AUTO_CREATE: "true",
      BOARDS_TENANT_EMAIL_DOMAINS: JSON.stringify({ [`${mapped}.example`]: mapped }),
    });
  });
  afterAll(() => server.close());

  async function tenantOf(claims: Record<string, unknown>, header: string): Promise<string> {
    const token = await signToken({ sub: `mail-${uniqueSlug()}`, ...claims });
    const { me } = expectData(await server.gql<{ me: { tenantId: string } }>(ME, undefined, { token, tenant: header }));
    return (await server.prisma.tenant.findUniqueOrThrow({ where: { id: me.tenantId } })).slug;
  }

  it("does not put attacker@ma.attacker-controlled.example in tenant ma, verified or not", async () => {
    const header = uniqueSlug("hdr");
    expect(await tenantOf({ email: "attacker@ma.attacker-controlled.example", email_verified: false }, header)).toBe(header);
    expect(await tenantOf({ email: "attacker@ma.attacker-controlled.example", email_verified: true }, header)).toBe(header);
    expect(await server.prisma.tenant.findUnique({ where: { slug: "ma" } })).toBeNull();
  });

  it("uses a configured domain for a verified address only", async () => {
    const header = uniqueSlug("hdr");
    expect(await tenantOf({ email: `ann@${mapped}.example`, email_verified: true }, header)).toBe(mapped);
    expect(await tenantOf({ email: `ann@${mapped}.example`, email_verified: false }, header)).toBe(header);
    expect(await tenantOf({ email: `ann@${mapped}.example.evil.example`, email_verified: true }, header)).toBe(header);
  });
});
