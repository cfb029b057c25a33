/**
 * Configuration of the external identity providers through loadEnv: BOARDS_AUTH_CONFIG keys,
 * their environment fallbacks, required settings, and the https rule for fetched URLs (a
 * misconfigured provider stops the process at start-up with every problem listed).
 */
import { describe, expect, it } from "vitest";
import { EnvError, loadEnv } from "../env.js";

function problemsOf(source: Record<string, string>): string[] {
  try {
    loadEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error(`loadEnv accepted ${JSON.stringify(source)}`);
}

const config = (value: Record<string, unknown>) => JSON.stringify(value);

describe("oidc", () => {
  it("reads issuer, client id, audience and jwks_url from BOARDS_AUTH_CONFIG", () => {
    const env = loadEnv({
      BOARDS_AUTH_PROVIDER: "oidc",
      BOARDS_AUTH_CONFIG: config({ issuer: "https://idp.example/realms/a", client_id: "web", audience: "api", jwks_url: "https://idp.example/keys" }),
      OIDC_ISSUER: "https://ignored.example",
    });
    expect(env.auth.external).toEqual({ provider: "oidc", issuer: "https://idp.example/realms/a", audience: "api", jwksUrl: "https://idp.example/keys" });
  });

  it("falls back to OIDC_* variables, the audience defaulting to the client id", () => {
    const env = loadEnv({ BOARDS_AUTH_PROVIDER: "oidc", OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "web" });
    expect(env.auth.external).toEqual({ provider: "oidc", issuer: "https://idp.example", audience: "web", jwksUrl: undefined });
    expect(loadEnv({ BOARDS_AUTH_PROVIDER: "oidc", OIDC_ISSUER: "https://idp.example", OIDC_AUDIENCE: "api" }).auth.external).toMatchObject({
      audience: "api",
    });
  });

  it("requires an issuer and a client id or audience", () => {
    const problems = problemsOf({ BOARDS_AUTH_PROVIDER: "oidc" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["OIDC_CLIENT_ID", "OIDC_ISSUER"]);
  });

  it.each([
    ["a plain-http issuer on another host", { OIDC_ISSUER: "http://idp.example", OIDC_CLIENT_ID: "web" }, /^OIDC_ISSUER: must use https/],
    ["a plain-http JWKS URL on another host", { OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "web", OIDC_JWKS_URL: "http://10.1.2.3/jwks" }, /^OIDC_JWKS_URL: must use https/],
    ["an issuer that is not a URL", { OIDC_ISSUER: "idp.example", OIDC_CLIENT_ID: "web" }, /^OIDC_ISSUER: must be an absolute URL/],
    ["a config value that is not a string", { BOARDS_AUTH_CONFIG: config({ issuer: 42, client_id: "web" }) }, /issuer must be a non-empty string/],
  ])("refuses to start with %s", (_, extra, problem) => {
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "oidc", ...extra })).toEqual([expect.stringMatching(problem)]);
  });

  it.each(["http://127.0.0.1:8080", "http://localhost:8080/realms/dev", "http://[::1]:9000"])("allows a plain-http loopback issuer %s", (issuer) => {
    expect(loadEnv({ BOARDS_AUTH_PROVIDER: "oidc", OIDC_ISSUER: issuer, OIDC_CLIENT_ID: "web" }).auth.external).toMatchObject({ issuer });
  });
});

describe("auth0", () => {
  it("derives issuer and JWKS URL from the domain (AUTH0_* fallbacks)", () => {
    const env = loadEnv({ BOARDS_AUTH_PROVIDER: "auth0", AUTH0_DOMAIN: "my-app.us.auth0.com", AUTH0_AUDIENCE: "https://api.example" });
    expect(env.auth.external).toEqual({
      provider: "auth0",
      domain: "my-app.us.auth0.com",
      audience: "https://api.example",
      issuer: "https://my-app.us.auth0.com/",
      jwksUrl: "https://my-app.us.auth0.com/.well-known/jwks.json",
    });
  });

  it("accepts a domain written as a URL, and issuer / jwks_url overrides", () => {
    const env = loadEnv({
      BOARDS_AUTH_PROVIDER: "auth0",
      BOARDS_AUTH_CONFIG: config({ domain: "https://login.example.com/", audience: "api", issuer: "https://login.example.com/", jwks_url: "http://127.0.0.1:7000/jwks" }),
    });
    expect(env.auth.external).toMatchObject({ domain: "login.example.com", issuer: "https://login.example.com/", jwksUrl: "http://127.0.0.1:7000/jwks" });
  });

  it("requires a domain and an audience", () => {
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "auth0" }).map((p) => p.split(":")[0]).sort()).toEqual(["AUTH0_AUDIENCE", "AUTH0_DOMAIN"]);
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "auth0", AUTH0_DOMAIN: "bad domain/x", AUTH0_AUDIENCE: "api" })).toEqual([
      expect.stringMatching(/^AUTH0_DOMAIN: must be a host name/),
    ]);
  });
});

describe("clerk", () => {
  it("uses Boards' default JWKS URL with the secret key (CLERK_SECRET_KEY)", () => {
    const env = loadEnv({ BOARDS_AUTH_PROVIDER: "clerk", CLERK_SECRET_KEY: "sk_test_123" });
    expect(env.auth.external).toEqual({
      provider: "clerk",
      jwksUrl: "https://api.clerk.dev/v1/jwks",
      issuer: undefined,
      audience: undefined,
      authorizedParties: [],
      secretKey: "sk_test_123",
    });
  });

  it("needs the secret key for the Backend API JWKS, not for a Frontend API one", () => {
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "clerk" })).toEqual([expect.stringMatching(/^CLERK_SECRET_KEY: /)]);
    const env = loadEnv({
      BOARDS_AUTH_PROVIDER: "clerk",
      BOARDS_AUTH_CONFIG: config({
        jwks_url: "https://clerk.my-app.example/.well-known/jwks.json",
        issuer: "https://clerk.my-app.example",
        authorized_parties: ["https://my-app.example"],
      }),
    });
    expect(env.auth.external).toMatchObject({ issuer: "https://clerk.my-app.example", authorizedParties: ["https://my-app.example"], secretKey: undefined });
  });

  it("refuses authorized_parties that are not a list of origins", () => {
    const problems = problemsOf({ BOARDS_AUTH_PROVIDER: "clerk", CLERK_SECRET_KEY: "sk", BOARDS_AUTH_CONFIG: config({ authorized_parties: "https://a.example" }) });
    expect(problems).toEqual([expect.stringMatching(/authorized_parties must be a list/)]);
  });
});

describe("supabase", () => {
  it("derives issuer, audience and JWKS URL from BOARDS_SUPABASE_URL", () => {
    const env = loadEnv({ BOARDS_AUTH_PROVIDER: "supabase", BOARDS_SUPABASE_URL: "https://abc.supabase.co/", BOARDS_SUPABASE_JWT_SECRET: "secret" });
    expect(env.auth.external).toEqual({
      provider: "supabase",
      url: "https://abc.supabase.co",
      issuer: "https://abc.supabase.co/auth/v1",
      audience: "authenticated",
      jwksUrl: "https://abc.supabase.co/auth/v1/.well-known/jwks.json",
      jwtSecret: "secret",
    });
  });

  it("prefers url / jwt_secret / audience in BOARDS_AUTH_CONFIG", () => {
    const env = loadEnv({
      BOARDS_AUTH_PROVIDER: "supabase",
      BOARDS_AUTH_CONFIG: config({ url: "https://xyz.supabase.co", jwt_secret: "from-config", audience: "custom" }),
      BOARDS_SUPABASE_URL: "https://ignored.supabase.co",
    });
    expect(env.auth.external).toMatchObject({ url: "https://xyz.supabase.co", jwtSecret: "from-config", audience: "custom" });
  });

  it("requires the project URL, over https unless on loopback", () => {
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "supabase" })).toEqual([expect.stringMatching(/^BOARDS_SUPABASE_URL: required/)]);
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "supabase", BOARDS_SUPABASE_URL: "http://abc.supabase.co" })).toEqual([
      expect.stringMatching(/^BOARDS_SUPABASE_URL: must use https/),
    ]);
    expect(loadEnv({ BOARDS_AUTH_PROVIDER: "supabase", BOARDS_SUPABASE_URL: "http://127.0.0.1:54321" }).auth.external).toMatchObject({
      jwksUrl: "http://127.0.0.1:54321/auth/v1/.well-known/jwks.json",
    });
  });
});

describe("shared rules", () => {
  it("applies the https rule to the jwt provider's jwks_url", () => {
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "jwt", BOARDS_AUTH_CONFIG: config({ jwks_url: "http://keys.example/jwks" }) })).toEqual([
      expect.stringMatching(/^BOARDS_AUTH_CONFIG: jwks_url must use https/),
    ]);
  });

  it("reports provider problems together with other invalid values", () => {
    const problems = problemsOf({ BOARDS_AUTH_PROVIDER: "auth0", BOARDS_API_PORT: "eighty", AUTH0_DOMAIN: "x.auth0.com" });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["AUTH0_AUDIENCE", "BOARDS_API_PORT"]);
  });

  it("refuses a short admin token", () => {
    expect(problemsOf({ BOARDS_ADMIN_TOKEN: "short" })).toEqual([expect.stringMatching(/^BOARDS_ADMIN_TOKEN: must be at least 16/)]);
  });

  it("defaults tenant auto-creation to on in single-tenant mode and off in multi-tenant mode", () => {
    expect(loadEnv({}).tenantAutoCreate).toBe(true);
    expect(loadEnv({ BOARDS_MULTI_TENANT_MODE: "true" }).tenantAutoCreate).toBe(false);
    expect(loadEnv({ BOARDS_MULTI_TENANT_MODE: "true", BOARDS_TENANT_AUTO_CREATE: "true" }).tenantAutoCreate).toBe(true);
    expect(loadEnv({ BOARDS_TENANT_AUTO_CREATE: "false" }).tenantAutoCreate).toBe(false);
  });
});

describe("HS256 secrets", () => {
  const short = "x".repeat(31);
  const long = "x".repeat(32);

  it.each(["test", "production"])("are refused under 32 bytes in %s", (environment) => {
    expect(problemsOf({ BOARDS_ENVIRONMENT: environment, BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: "x" })).toEqual([
      "BOARDS_JWT_SECRET: must be at least 32 bytes outside development (use a long random value)",
    ]);
    expect(problemsOf({ BOARDS_ENVIRONMENT: environment, BOARDS_AUTH_PROVIDER: "jwt", BOARDS_AUTH_CONFIG: JSON.stringify({ secret_key: short }) })).toEqual([
      "BOARDS_AUTH_CONFIG: secret_key must be at least 32 bytes outside development (use a long random value)",
    ]);
    expect(
      problemsOf({ BOARDS_ENVIRONMENT: environment, BOARDS_AUTH_PROVIDER: "supabase", BOARDS_SUPABASE_URL: "https://x.supabase.co", BOARDS_SUPABASE_JWT_SECRET: short }),
    ).toEqual(["BOARDS_SUPABASE_JWT_SECRET: must be at least 32 bytes outside development (use a long random value)"]);
  });

  it("are accepted from 32 bytes, and shorter ones in development", () => {
    expect(loadEnv({ BOARDS_ENVIRONMENT: "production", BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: long }).auth.jwtSecret).toBe(long);
    // secret_key wins over the variable, so only its length matters.
    const config = JSON.stringify({ secret_key: long });
    expect(loadEnv({ BOARDS_ENVIRONMENT: "production", BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: "x", BOARDS_AUTH_CONFIG: config }).auth.provider).toBe("jwt");
    expect(loadEnv({ BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: "x" }).auth.jwtSecret).toBe("x");
    // Bytes, not characters: 16 two-byte characters are 32 bytes.
    expect(loadEnv({ BOARDS_ENVIRONMENT: "test", BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: "é".repeat(16) }).auth.provider).toBe("jwt");
  });

  it("refuses a require_exp that is not a boolean", () => {
    expect(problemsOf({ BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: long, BOARDS_AUTH_CONFIG: '{"require_exp":"no"}' })).toEqual([
      "BOARDS_AUTH_CONFIG: require_exp must be true or false",
    ]);
  });
});

describe("BOARDS_TENANT_EMAIL_DOMAINS", () => {
  it("refuses a malformed domain map at start-up", () => {
    expect(problemsOf({ BOARDS_TENANT_EMAIL_DOMAINS: '{"acme.io":"Not A Slug"}' })).toEqual(["BOARDS_TENANT_EMAIL_DOMAINS: values must be tenant slugs"]);
    expect(problemsOf({ BOARDS_TENANT_EMAIL_DOMAINS: '{"acme":"acme"}' })).toEqual(["BOARDS_TENANT_EMAIL_DOMAINS: keys must be e-mail domains such as acme.io"]);
  });
});
