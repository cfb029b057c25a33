import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLE_NAMES, EnvError, loadEnv } from "./env.js";

const packageVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** An existing directory that is not the default one. */
const here = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

/** The EnvError thrown by loadEnv(source); fails the test if it does not throw one. */
function envError(source: Record<string, string | undefined>): EnvError {
  try {
    loadEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return error as EnvError;
  }
  throw new Error(`loadEnv accepted ${JSON.stringify(source)}`);
}

describe(".env.example", () => {
  it("documents every variable", () => {
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(ENV_VARIABLE_NAMES.filter((name) => !documented.has(name))).toEqual([]);
  });
});

describe("loadEnv defaults", () => {
  it("gives every setting its documented default from an empty environment", () => {
    expect(loadEnv({})).toEqual({
      environment: "development",
      version: packageVersion,
      databaseUrl: "postgresql://postgres@127.0.0.1:5432/boards_dev",
      databaseUrlSet: false,
      databasePoolSize: 10,
      redisUrl: undefined,
      redisCommandTimeoutMs: 2000,
      apiHost: "0.0.0.0",
      apiPort: 8088,
      corsOrigins: ["http://localhost:3033"],
      logLevel: "info",
      auth: {
        provider: "none",
        config: {},
        jwtSecret: undefined,
        external: undefined,
        tenantClaim: undefined,
        adminRole: { claim: "roles", value: "admin" },
        emailDomainTenants: new Map(),
      },
      adminToken: undefined,
      metrics: { port: undefined, token: undefined },
      multiTenantMode: false,
      tenantAutoCreate: true,
      tenantRegistration: { requiresApproval: false, allowedDomains: null, maxTenantsPerUser: null, frontendBaseUrl: undefined },
      defaultTenantSlug: "default",
      defaultTenantName: "Default Tenant",
      graphiql: true,
      graphqlLimits: { maxDepth: 10, maxAliases: 15, maxTokens: 2000, maxNodes: 50_000, maxBodyBytes: 1_048_576 },
      generatorsConfigPath: undefined,
      creditsMode: "off",
      providers: { keys: {}, endpoints: {}, publicUrl: undefined, webhookSecrets: {} },
      storage: {
        defaultProvider: "local",
        providers: { local: { type: "local", basePath: "storage", publicUrlBase: "http://localhost:8088/api/storage" } },
        rules: [],
        maxFileSize: 104_857_600,
        signingSecret: undefined,
        urlTtlMs: 3_600_000,
      },
      thumbnails: { videoPosters: true, ffmpegPath: "ffmpeg" },
      worker: {
        inProcess: true,
        concurrency: 4,
        pollIntervalMs: 1000,
        heartbeatMs: 10_000,
        deadAfterMs: 60_000,
        cancelCheckIntervalMs: 2000,
        progressIntervalMs: 250,
        maxAttempts: 3,
      },
      sseKeepAliveMs: 15_000,
      liveLimits: { maxOperationsPerConnection: 100, maxSubscriptionsPerUser: 100 },
      http: { headersTimeoutMs: 20_000, requestTimeoutMs: 1_800_000, bodyIdleTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
      tracing: { enabled: false, endpoint: "http://localhost:4318", serviceName: undefined },
      uploads: {
        maxBytes: 104_857_600,
        allowedExtensions: [".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".mov", ".avi", ".webm", ".mp3", ".wav", ".ogg", ".m4a", ".txt", ".md", ".json"],
        urlTimeoutMs: 60_000,
        urlAllowHosts: [],
        tempDir: tmpdir(),
      },
    });
  });

  it("treats empty strings as unset", () => {
    const env = loadEnv({ BOARDS_API_PORT: "", BOARDS_ENVIRONMENT: "", BOARDS_REDIS_URL: "", BOARDS_MULTI_TENANT_MODE: "", BOARDS_LOG_LEVEL: "" });
    expect(env).toMatchObject({ apiPort: 8088, environment: "development", redisUrl: undefined, multiTenantMode: false, logLevel: "info" });
  });

  it("reads only the map it is given", () => {
    expect(loadEnv({ BOARDS_API_PORT: "9000" }).apiPort).toBe(9000);
    expect(loadEnv({}).apiPort).toBe(8088);
  });
});

describe("storage settings", () => {
  it("requires a bucket for the s3 provider and both AWS keys or neither, reported together", () => {
    try {
      loadEnv({ BOARDS_STORAGE_DEFAULT_PROVIDER: "s3", BOARDS_AWS_ACCESS_KEY_ID: "AKIA" });
      expect.unreachable("loadEnv accepted an s3 provider without a bucket");
    } catch (error) {
      const problems = (error as { problems: string[] }).problems;
      expect(problems.some((p) => p.startsWith("BOARDS_STORAGE_DEFAULT_PROVIDER: 's3' is not a configured storage provider") && p.includes("BOARDS_STORAGE_S3_BUCKET"))).toBe(true);
      expect(problems.some((p) => p.startsWith("BOARDS_AWS_ACCESS_KEY_ID"))).toBe(true);
    }
  });

  it("refuses an unknown provider and an unsafe prefix", () => {
    expect(() => loadEnv({ BOARDS_STORAGE_DEFAULT_PROVIDER: "ftp" })).toThrow(/BOARDS_STORAGE_DEFAULT_PROVIDER: 'ftp' is not a configured storage provider \(configured: local\)/);
    expect(() => loadEnv({ BOARDS_STORAGE_DEFAULT_PROVIDER: "../x" })).toThrow(/BOARDS_STORAGE_DEFAULT_PROVIDER/);
    expect(() => loadEnv({ BOARDS_STORAGE_S3_PREFIX: "../up" })).toThrow(/BOARDS_STORAGE_S3_PREFIX/);
  });
});

describe("loadEnv values", () => {
  it("parses every setting it is given", () => {
    const env = loadEnv({
      BOARDS_ENVIRONMENT: "test",
      BOARDS_DATABASE_URL: "postgresql://app@db.internal:5433/boards",
      BOARDS_DATABASE_POOL_SIZE: "3",
      BOARDS_REDIS_URL: "redis://cache.internal:6380/2",
      BOARDS_API_HOST: "127.0.0.1",
      BOARDS_API_PORT: "0",
      BOARDS_CORS_ORIGINS: '["https://a.example","https://b.example"]',
      BOARDS_LOG_LEVEL: "WARN",
      BOARDS_AUTH_PROVIDER: "jwt",
      BOARDS_AUTH_CONFIG: '{"issuer":"https://idp.example","audience":"api"}',
      BOARDS_JWT_SECRET: "s3cret-of-at-least-thirty-two-bytes",
      BOARDS_JWT_TENANT_CLAIM: "https://acme.example/tenant",
      BOARDS_ADMIN_ROLE_CLAIM: "https://acme.example/roles",
      BOARDS_ADMIN_ROLE: "billing-admin",
      BOARDS_CREDITS_MODE: "tenant",
      BOARDS_TENANT_EMAIL_DOMAINS: '{"Acme.example":"acme"}',
      BOARDS_ADMIN_TOKEN: "an-admin-token-of-some-length",
      BOARDS_METRICS_PORT: "9464",
      BOARDS_METRICS_TOKEN: "a-metrics-token-of-some-length",
      BOARDS_MULTI_TENANT_MODE: "true",
      BOARDS_TENANT_AUTO_CREATE: "true",
      BOARDS_TENANT_REGISTRATION_REQUIRES_APPROVAL: "yes",
      BOARDS_TENANT_REGISTRATION_ALLOWED_DOMAINS: '["Acme.example","b.example"]',
      BOARDS_MAX_TENANTS_PER_USER: "2",
      BOARDS_FRONTEND_BASE_URL: "https://app.example/",
      BOARDS_DEFAULT_TENANT_SLUG: "home",
      BOARDS_TENANT_NAME: "Home",
      BOARDS_GRAPHIQL: "false",
      BOARDS_GRAPHQL_MAX_DEPTH: "7",
      BOARDS_GRAPHQL_MAX_ALIASES: "3",
      BOARDS_GRAPHQL_MAX_TOKENS: "500",
      BOARDS_GRAPHQL_MAX_NODES: "900",
      BOARDS_GRAPHQL_MAX_BODY_BYTES: "4096",
      BOARDS_GENERATORS_CONFIG_PATH: "config/generators.yaml",
      BOARDS_STORAGE_LOCAL_BASE_PATH: "/srv/boards",
      BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: "https://cdn.example/api/storage",
      BOARDS_STORAGE_DEFAULT_PROVIDER: "s3",
      BOARDS_STORAGE_ROUTING_RULES: '[{"condition":{"artifact_type":"video"},"provider":"s3"},{"condition":{"size_gt":"1KB"},"provider":"s3"}]',
      BOARDS_STORAGE_MAX_FILE_SIZE: "1MB",
      BOARDS_STORAGE_SIGNING_SECRET: "0123456789abcdef0123456789abcdef",
      BOARDS_VIDEO_POSTERS: "false",
      BOARDS_FFMPEG_PATH: "/opt/ffmpeg/bin/ffmpeg",
      BOARDS_STORAGE_URL_TTL_SECONDS: "600",
      BOARDS_STORAGE_S3_BUCKET: "artifacts",
      BOARDS_STORAGE_S3_REGION: "eu-west-1",
      BOARDS_STORAGE_S3_ENDPOINT: "http://minio.internal:9000",
      BOARDS_STORAGE_S3_FORCE_PATH_STYLE: "true",
      BOARDS_STORAGE_S3_PUBLIC_URL_BASE: "https://cdn.example",
      BOARDS_STORAGE_S3_PREFIX: "boards/prod",
      BOARDS_AWS_ACCESS_KEY_ID: "AKIA",
      BOARDS_AWS_SECRET_ACCESS_KEY: "secret",
      BOARDS_WORKER_IN_PROCESS: "false",
      BOARDS_WORKER_CONCURRENCY: "8",
      BOARDS_WORKER_POLL_INTERVAL_MS: "250",
      BOARDS_WORKER_HEARTBEAT_SECONDS: "5",
      BOARDS_WORKER_DEAD_AFTER_SECONDS: "30",
      BOARDS_WORKER_CANCEL_CHECK_MS: "700",
      BOARDS_PROGRESS_MIN_INTERVAL_MS: "100",
      BOARDS_JOB_MAX_ATTEMPTS: "5",
      BOARDS_SSE_KEEPALIVE_SECONDS: "2",
      BOARDS_WS_MAX_OPERATIONS_PER_CONNECTION: "7",
      BOARDS_MAX_SUBSCRIPTIONS_PER_USER: "9",
      BOARDS_MAX_UPLOAD_SIZE: "2048",
      BOARDS_ALLOWED_UPLOAD_EXTENSIONS: '[".PNG", ".txt"]',
      BOARDS_OTEL_ENABLED: "true",
      BOARDS_OTEL_ENDPOINT: "http://collector:4318",
      BOARDS_OTEL_SERVICE_NAME: "boards",
      BOARDS_UPLOAD_URL_TIMEOUT_SECONDS: "5",
      BOARDS_UPLOAD_URL_ALLOW_HOSTS: '["assets.internal:8080"]',
      BOARDS_UPLOAD_TEMP_DIR: here,
    });
    expect(env).toEqual({
      environment: "test",
      version: packageVersion,
      databaseUrl: "postgresql://app@db.internal:5433/boards",
      databaseUrlSet: true,
      databasePoolSize: 3,
      redisUrl: "redis://cache.internal:6380/2",
      redisCommandTimeoutMs: 2000,
      apiHost: "127.0.0.1",
      apiPort: 0,
      corsOrigins: ["https://a.example", "https://b.example"],
      logLevel: "warn",
      auth: {
        provider: "jwt",
        config: { issuer: "https://idp.example", audience: "api" },
        jwtSecret: "s3cret-of-at-least-thirty-two-bytes",
        external: undefined,
        tenantClaim: "https://acme.example/tenant",
        adminRole: { claim: "https://acme.example/roles", value: "billing-admin" },
        emailDomainTenants: new Map([["acme.example", "acme"]]),
      },
      adminToken: "an-admin-token-of-some-length",
      metrics: { port: 9464, token: "a-metrics-token-of-some-length" },
      multiTenantMode: true,
      tenantAutoCreate: true,
      tenantRegistration: {
        requiresApproval: true,
        allowedDomains: ["acme.example", "b.example"],
        maxTenantsPerUser: 2,
        frontendBaseUrl: "https://app.example",
      },
      defaultTenantSlug: "home",
      defaultTenantName: "Home",
      graphiql: false,
      graphqlLimits: { maxDepth: 7, maxAliases: 3, maxTokens: 500, maxNodes: 900, maxBodyBytes: 4096 },
      generatorsConfigPath: "config/generators.yaml",
      creditsMode: "tenant",
      providers: { keys: {}, endpoints: {}, publicUrl: undefined, webhookSecrets: {} },
      storage: {
        defaultProvider: "s3",
        providers: {
          local: { type: "local", basePath: "/srv/boards", publicUrlBase: "https://cdn.example/api/storage" },
          s3: {
            type: "s3",
            bucket: "artifacts",
            region: "eu-west-1",
            endpoint: "http://minio.internal:9000",
            forcePathStyle: true,
            publicUrlBase: "https://cdn.example",
            prefix: "boards/prod",
            accessKeyId: "AKIA",
            secretAccessKey: "secret",
          },
        },
        rules: [{ artifactTypes: ["VIDEO"], provider: "s3" }, { sizeGt: 1024, provider: "s3" }],
        maxFileSize: 1_048_576,
        signingSecret: "0123456789abcdef0123456789abcdef",
        urlTtlMs: 600_000,
      },
      thumbnails: { videoPosters: false, ffmpegPath: "/opt/ffmpeg/bin/ffmpeg" },
      worker: {
        inProcess: false,
        concurrency: 8,
        pollIntervalMs: 250,
        heartbeatMs: 5000,
        deadAfterMs: 30_000,
        cancelCheckIntervalMs: 700,
        progressIntervalMs: 100,
        maxAttempts: 5,
      },
      sseKeepAliveMs: 2000,
      liveLimits: { maxOperationsPerConnection: 7, maxSubscriptionsPerUser: 9 },
      http: { headersTimeoutMs: 20_000, requestTimeoutMs: 1_800_000, bodyIdleTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
      tracing: { enabled: true, endpoint: "http://collector:4318", serviceName: "boards" },
      uploads: { maxBytes: 2048, allowedExtensions: [".png", ".txt"], urlTimeoutMs: 5000, urlAllowHosts: ["assets.internal:8080"], tempDir: here },
    });
  });

  it.each([
    ["true", true],
    ["1", true],
    ["yes", true],
    ["on", true],
    ["false", false],
    ["0", false],
    ["no", false],
    ["off", false],
  ])("reads the boolean %s as %s", (text, value) => {
    expect(loadEnv({ BOARDS_MULTI_TENANT_MODE: text }).multiTenantMode).toBe(value);
    expect(loadEnv({ BOARDS_GRAPHIQL: text }).graphiql).toBe(value);
  });
});

describe("loadEnv fallbacks", () => {
  it("falls back to DATABASE_URL and REDIS_URL", () => {
    const env = loadEnv({ DATABASE_URL: "postgresql://fallback@db:5432/app", REDIS_URL: "redis://fallback:6379/1" });
    expect(env.databaseUrl).toBe("postgresql://fallback@db:5432/app");
    expect(env.redisUrl).toBe("redis://fallback:6379/1");
  });

  it("prefers BOARDS_DATABASE_URL and BOARDS_REDIS_URL over the fallbacks", () => {
    const env = loadEnv({
      BOARDS_DATABASE_URL: "postgresql://boards@db:5432/boards",
      DATABASE_URL: "postgresql://fallback@db:5432/app",
      BOARDS_REDIS_URL: "redis://boards:6379/0",
      REDIS_URL: "redis://fallback:6379/1",
    });
    expect(env.databaseUrl).toBe("postgresql://boards@db:5432/boards");
    expect(env.redisUrl).toBe("redis://boards:6379/0");
  });

  it("uses the fallback when the BOARDS_ variable is empty", () => {
    expect(loadEnv({ BOARDS_DATABASE_URL: "", DATABASE_URL: "postgresql://fallback@db:5432/app" }).databaseUrl).toBe(
      "postgresql://fallback@db:5432/app",
    );
  });
});

describe("loadEnv environment-dependent defaults", () => {
  it("turns GraphiQL off by default in production only", () => {
    const production = { BOARDS_ENVIRONMENT: "production", BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: "s".repeat(32) };
    expect(loadEnv(production).graphiql).toBe(false);
    expect(loadEnv({ ...production, BOARDS_GRAPHIQL: "true" }).graphiql).toBe(true);
    expect(loadEnv({ BOARDS_ENVIRONMENT: "development" }).graphiql).toBe(true);
    expect(loadEnv({ BOARDS_ENVIRONMENT: "test" }).graphiql).toBe(true);
  });
});

describe("loadEnv auth checks", () => {
  it("refuses the none provider in production", () => {
    const error = envError({ BOARDS_ENVIRONMENT: "production" });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^BOARDS_AUTH_PROVIDER: .*production/);
    expect(() => loadEnv({ BOARDS_ENVIRONMENT: "production", BOARDS_AUTH_PROVIDER: "none" })).toThrow(EnvError);
  });

  it("accepts the none provider outside production", () => {
    expect(loadEnv({ BOARDS_ENVIRONMENT: "development", BOARDS_AUTH_PROVIDER: "none" }).auth.provider).toBe("none");
    expect(loadEnv({ BOARDS_ENVIRONMENT: "test", BOARDS_AUTH_PROVIDER: "none" }).auth.provider).toBe("none");
  });

  it("requires a secret or a JWKS URL for the jwt provider", () => {
    const error = envError({ BOARDS_AUTH_PROVIDER: "jwt" });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^BOARDS_JWT_SECRET: /);
    expect(() => loadEnv({ BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: "" })).toThrow(EnvError);
  });

  it.each([
    ["BOARDS_JWT_SECRET", { BOARDS_JWT_SECRET: "s3cret".repeat(6) }],
    ["secret_key", { BOARDS_AUTH_CONFIG: JSON.stringify({ secret_key: "s3cret".repeat(6) }) }],
    ["jwks_url", { BOARDS_AUTH_CONFIG: '{"jwks_url":"https://idp.example/.well-known/jwks.json"}' }],
  ])("accepts the jwt provider with %s, in production too", (_, extra) => {
    const env = loadEnv({ BOARDS_ENVIRONMENT: "production", BOARDS_AUTH_PROVIDER: "jwt", ...extra });
    expect(env.auth.provider).toBe("jwt");
  });
});

describe("loadEnv invalid values", () => {
  it.each([
    ["BOARDS_ENVIRONMENT", "staging"],
    ["BOARDS_DATABASE_URL", "not a url"],
    ["BOARDS_REDIS_URL", "localhost"],
    ["BOARDS_DATABASE_POOL_SIZE", "0"],
    ["BOARDS_API_PORT", "65536"],
    ["BOARDS_API_PORT", "-1"],
    ["BOARDS_API_PORT", "eighty"],
    ["BOARDS_API_PORT", "80.5"],
    ["BOARDS_METRICS_PORT", "65536"],
    ["BOARDS_METRICS_PORT", "metrics"],
    ["BOARDS_METRICS_PORT", "8088"],
    ["BOARDS_METRICS_TOKEN", "short"],
    ["BOARDS_CORS_ORIGINS", "https://a.example"],
    ["BOARDS_CORS_ORIGINS", '{"origin":"https://a.example"}'],
    ["BOARDS_LOG_LEVEL", "verbose"],
    ["BOARDS_AUTH_PROVIDER", "oauth"],
    ["BOARDS_AUTH_CONFIG", "{not json"],
    ["BOARDS_AUTH_CONFIG", "[1,2]"],
    ["BOARDS_MULTI_TENANT_MODE", "maybe"],
    ["BOARDS_DEFAULT_TENANT_SLUG", "Home_Tenant"],
    ["BOARDS_TENANT_AUTO_CREATE", "sometimes"],
    ["BOARDS_TENANT_REGISTRATION_ALLOWED_DOMAINS", "acme.example"],
    ["BOARDS_MAX_TENANTS_PER_USER", "0"],
    ["BOARDS_FRONTEND_BASE_URL", "not a url"],
    ["BOARDS_GRAPHIQL", "sometimes"],
    ["BOARDS_GRAPHQL_MAX_DEPTH", "0"],
    ["BOARDS_GRAPHQL_MAX_ALIASES", "-3"],
    ["BOARDS_GRAPHQL_MAX_TOKENS", "many"],
    ["BOARDS_GRAPHQL_MAX_NODES", "1.5"],
    ["BOARDS_GRAPHQL_MAX_BODY_BYTES", "1e400"],
    ["BOARDS_UPLOAD_TEMP_DIR", "/no/such/directory"],
  ])("reports %s=%s by name", (name, value) => {
    const error = envError({ [name]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.startsWith(`${name}: `), error.problems[0]).toBe(true);
    expect(error.message).toContain(name);
  });

  it("reports every invalid value together", () => {
    const error = envError({
      BOARDS_API_PORT: "70000",
      BOARDS_AUTH_PROVIDER: "oauth",
      BOARDS_CORS_ORIGINS: "not json",
      BOARDS_GRAPHQL_MAX_DEPTH: "zero",
    });
    const named = error.problems.map((problem) => problem.split(":")[0]).sort();
    expect(named).toEqual(["BOARDS_API_PORT", "BOARDS_AUTH_PROVIDER", "BOARDS_CORS_ORIGINS", "BOARDS_GRAPHQL_MAX_DEPTH"]);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it("reports a refused auth setup together with invalid values", () => {
    const error = envError({ BOARDS_ENVIRONMENT: "production", BOARDS_API_PORT: "eighty" });
    const named = error.problems.map((problem) => problem.split(":")[0]).sort();
    expect(named).toEqual(["BOARDS_API_PORT", "BOARDS_AUTH_PROVIDER"]);
  });

  it("reports a missing jwt secret together with invalid values", () => {
    const error = envError({ BOARDS_AUTH_PROVIDER: "jwt", BOARDS_LOG_LEVEL: "loud" });
    const named = error.problems.map((problem) => problem.split(":")[0]).sort();
    expect(named).toEqual(["BOARDS_JWT_SECRET", "BOARDS_LOG_LEVEL"]);
  });
});
