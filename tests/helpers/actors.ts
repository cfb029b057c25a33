/**
 * Test actors: signed-in users of a fresh tenant, each with a JWT and the tenant header, so
 * tests never see each other's data. Users are provisioned just in time by their first request,
 * exactly as real users are.
 */
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { expect } from "vitest";
import { TEST_JWT_SECRET, type GqlResult, type RequestOptions, type TestServer } from "./server.js";

export type TokenClaims = {
  sub: string;
  email?: string;
  name?: string;
  picture?: string;
  tenant?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  notBefore?: string | number;
  secret?: string;
  [claim: string]: unknown;
};

/** An HS256 token as the jwt adapter expects it (issuer `boards`, audience `boards-api`). */
export async function signToken(claims: TokenClaims): Promise<string> {
  const { sub, issuer = "boards", audience = "boards-api", expiresIn = "1h", notBefore, secret = TEST_JWT_SECRET, ...rest } = claims;
  let jwt = new SignJWT(rest).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuer(issuer).setAudience(audience).setIssuedAt();
  jwt = jwt.setExpirationTime(expiresIn);
  if (notBefore !== undefined) jwt = jwt.setNotBefore(notBefore);
  return jwt.sign(new TextEncoder().encode(secret));
}

export function uniqueSlug(prefix = "t"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

export type Actor = {
  id: string;
  sub: string;
  email: string;
  token: string;
  tenant: string;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GqlResult<T>>;
  /** Runs an operation that must succeed and returns its data. */
  ok<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
};

export type TenantHandle = {
  slug: string;
  id: string;
  /** A signed-in user of this tenant (created on first use; same name → same user). */
  user(name: string, claims?: Partial<TokenClaims>): Promise<Actor>;
  /** An anonymous caller addressing this tenant. */
  anonymous: Pick<Actor, "gql" | "ok" | "tenant">;
};

/** Asserts an operation succeeded and returns its data. */
export function expectData<T>(result: GqlResult<T>): T {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.status).toBe(200);
  return result.data as T;
}

/** Asserts an operation failed with exactly one error of `code` (and optionally `message`). */
export function expectError(result: GqlResult, code: string, message?: string | RegExp) {
  expect(result.errors, JSON.stringify(result.body)).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.extensions?.code, JSON.stringify(error)).toBe(code);
  if (message !== undefined) {
    if (typeof message === "string") expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  }
  return error;
}

/** A fresh tenant (created through the API by its first signed-in user). */
export async function newTenant(server: Pick<TestServer, "gql">, slug = uniqueSlug()): Promise<TenantHandle> {
  const users = new Map<string, Actor>();
  const anonymous = {
    tenant: slug,
    gql: <T>(query: string, variables?: Record<string, unknown>, options: RequestOptions = {}) =>
      server.gql<T>(query, variables, { tenant: slug, ...options }),
    ok: async <T>(query: string, variables?: Record<string, unknown>) => expectData(await server.gql<T>(query, variables, { tenant: slug })),
  };
  const handle: TenantHandle = {
    slug,
    id: "",
    anonymous,
    async user(name, claims = {}) {
      const existing = users.get(name);
      if (existing) return existing;
      const sub = `${name}-${slug}`;
      const email = claims.email ?? `${name}@${slug}.example`;
      const token = await signToken({ sub, email, name: name[0]!.toUpperCase() + name.slice(1), ...claims });
      const gql = <T>(query: string, variables?: Record<string, unknown>, options: RequestOptions = {}) =>
        server.gql<T>(query, variables, { token, tenant: slug, ...options });
      const me = expectData(await gql<{ me: { id: string; tenantId: string } }>("{ me { id tenantId } }"));
      handle.id = me.me.tenantId;
      const actor: Actor = {
        id: me.me.id,
        sub,
        email,
        token,
        tenant: slug,
        gql,
        ok: async <T>(query: string, variables?: Record<string, unknown>) => expectData(await gql<T>(query, variables)),
      };
      users.set(name, actor);
      return actor;
    },
  };
  return handle;
}
