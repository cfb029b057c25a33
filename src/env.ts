/**
 * The only module that reads `process.env`. Variables keep the Boards backend's names
 * (`BOARDS_*`), with `DATABASE_URL` / `REDIS_URL` accepted as fallbacks, so a Boards deployment can
 * switch over. Every variable is listed with its default in `.env.example`.
 */
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { z } from "zod";
import { resolveExternalAuth, type ExternalAuthSettings } from "./auth/authSettings.js";
import { readProjectFile } from "./lib/projectFile.js";
import { isTrueText } from "./lib/booleanText.js";
import { endpointUrlProblem } from "./lib/secureUrl.js";
import { isValidTenantSlug } from "./lib/tenantSlug.js";
import { providerSettings, type ProviderSettings } from "./providers/providerSettings.js";
import type { TracingConfig } from "./tracing/startTracing.js";
import { KEY_PREFIX, PROVIDER_NAME, resolveStorageConfig, type StorageConfig } from "./storage/storageConfig.js";
import type { CreditsMode } from "./services/credits/creditAccounts.js";

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/boards_dev";

const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""])
  .transform(isTrueText);

function jsonString<T extends z.ZodType>(schema: T) {
  return z.string().transform((text, ctx): z.infer<T> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be valid JSON" });
      return z.NEVER;
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: "custom", message: result.error.issues.map((i) => i.message).join("; ") });
      return z.NEVER;
    }
    return result.data;
  });
}

const positiveInt = z.coerce.number().int().positive();

const EnvSchema = z.object({
  BOARDS_ENVIRONMENT: z.enum(["development", "test", "production"]).default("development"),
  BOARDS_DATABASE_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  BOARDS_DATABASE_POOL_SIZE: positiveInt.default(10),
  BOARDS_REDIS_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  BOARDS_REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(2000),
  BOARDS_API_HOST: z.string().min(1).default("0.0.0.0"),
  BOARDS_API_PORT: z.coerce.number().int().min(0).max(65535).default(8088),
  BOARDS_CORS_ORIGINS: jsonString(z.array(z.string())).default(["http://localhost:3033"]),
  BOARDS_LOG_LEVEL: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]))
    .default("info"),
  BOARDS_AUTH_PROVIDER: z.enum(["none", "jwt", "oidc", "auth0", "clerk", "supabase"]).default("none"),
  BOARDS_AUTH_CONFIG: jsonString(z.record(z.string(), z.unknown())).default({}),
  BOARDS_JWT_SECRET: z.string().optional(),
  // Fallbacks of BOARDS_AUTH_CONFIG keys, checked per provider in auth/authSettings.ts.
  OIDC_ISSUER: z.string().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_AUDIENCE: z.string().optional(),
  OIDC_JWKS_URL: z.string().optional(),
  AUTH0_DOMAIN: z.string().optional(),
  AUTH0_AUDIENCE: z.string().optional(),
  CLERK_SECRET_KEY: z.string().optional(),
  BOARDS_SUPABASE_URL: z.string().optional(),
  BOARDS_SUPABASE_JWT_SECRET: z.string().optional(),
  BOARDS_JWT_TENANT_CLAIM: z.string().min(1).optional(),
  BOARDS_ADMIN_ROLE_CLAIM: z.string().min(1).default("roles"),
  BOARDS_ADMIN_ROLE: z.string().min(1).default("admin"),
  BOARDS_TENANT_EMAIL_DOMAINS: jsonString(
    z
      .record(z.string(), z.string().refine(isValidTenantSlug, "values must be tenant slugs"))
      .refine((map) => Object.keys(map).every((domain) => /^[^@\s.]+(\.[^@\s.]+)+$/.test(domain)), "keys must be e-mail domains such as acme.io"),
  ).default({}),
  // AI providers: parsed and checked in providers/providerSettings.ts.
  FAL_KEY: z.string().optional(),
  REPLICATE_API_TOKEN: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  KIE_API_KEY: z.string().optional(),
  BOARDS_GENERATOR_API_KEYS: z.string().optional(),
  BOARDS_PROVIDER_ENDPOINTS: z.string().optional(),
  BOARDS_PUBLIC_URL: z.string().optional(),
  REPLICATE_WEBHOOK_SECRET: z.string().optional(),
  KIE_WEBHOOK_HMAC_KEY: z.string().optional(),
  BOARDS_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters (use a long random value)").optional(),
  // Prometheus metrics: see the README's operations section and src/metrics/.
  BOARDS_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  BOARDS_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (use a long random value)").optional(),
  BOARDS_MULTI_TENANT_MODE: booleanString.default(false),
  BOARDS_TENANT_AUTO_CREATE: booleanString.optional(),
  BOARDS_TENANT_REGISTRATION_REQUIRES_APPROVAL: booleanString.default(false),
  BOARDS_TENANT_REGISTRATION_ALLOWED_DOMAINS: jsonString(z.array(z.string().min(1))).optional(),
  BOARDS_MAX_TENANTS_PER_USER: positiveInt.optional(),
  BOARDS_FRONTEND_BASE_URL: z.string().url().optional(),
  BOARDS_DEFAULT_TENANT_SLUG: z
    .string()
    .refine(isValidTenantSlug, "must be lowercase letters, digits and hyphens, without a leading or trailing hyphen")
    .default("default"),
  BOARDS_TENANT_NAME: z.string().min(1).default("Default Tenant"),
  BOARDS_GRAPHIQL: booleanString.optional(),
  BOARDS_GRAPHQL_MAX_DEPTH: positiveInt.default(10),
  BOARDS_GRAPHQL_MAX_ALIASES: positiveInt.default(15),
  BOARDS_GRAPHQL_MAX_TOKENS: positiveInt.default(2000),
  BOARDS_GRAPHQL_MAX_NODES: positiveInt.default(50_000),
  BOARDS_GRAPHQL_MAX_BODY_BYTES: positiveInt.default(1_048_576),
  BOARDS_GENERATORS_CONFIG_PATH: z.string().optional(),
  BOARDS_CREDITS_MODE: z.enum(["off", "user", "tenant"]).default("off"),
  // Storage variables are combined with the storage file in storage/storageConfig.ts.
  BOARDS_STORAGE_CONFIG_PATH: z.string().optional(),
  BOARDS_STORAGE_LOCAL_BASE_PATH: z.string().min(1).optional(),
  BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: z.string().url().optional(),
  BOARDS_STORAGE_DEFAULT_PROVIDER: z.string().regex(PROVIDER_NAME, "must be the name of a storage provider").optional(),
  BOARDS_STORAGE_ROUTING_RULES: z.string().optional(),
  BOARDS_STORAGE_MAX_FILE_SIZE: z.string().optional(),
  BOARDS_VIDEO_POSTERS: booleanString.default(true),
  BOARDS_FFMPEG_PATH: z.string().min(1).default("ffmpeg"),
  BOARDS_STORAGE_SIGNING_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  BOARDS_STORAGE_URL_TTL_SECONDS: positiveInt.max(604_800).default(3600),
  BOARDS_STORAGE_S3_BUCKET: z.string().min(3).optional(),
  BOARDS_STORAGE_S3_REGION: z.string().min(1).optional(),
  BOARDS_STORAGE_S3_ENDPOINT: z.string().url().optional(),
  BOARDS_STORAGE_S3_FORCE_PATH_STYLE: booleanString.optional(),
  BOARDS_STORAGE_S3_PUBLIC_URL_BASE: z.string().url().optional(),
  BOARDS_STORAGE_S3_PREFIX: z.string().regex(KEY_PREFIX, "must be key segments separated by /").optional(),
  BOARDS_AWS_ACCESS_KEY_ID: z.string().optional(),
  BOARDS_AWS_SECRET_ACCESS_KEY: z.string().optional(),
  BOARDS_WORKER_IN_PROCESS: booleanString.default(true),
  BOARDS_WORKER_CONCURRENCY: positiveInt.max(100).default(4),
  BOARDS_WORKER_POLL_INTERVAL_MS: positiveInt.default(1000),
  BOARDS_WORKER_HEARTBEAT_SECONDS: z.coerce.number().positive().default(10),
  BOARDS_WORKER_DEAD_AFTER_SECONDS: z.coerce.number().positive().default(60),
  BOARDS_WORKER_CANCEL_CHECK_MS: positiveInt.default(2000),
  BOARDS_PROGRESS_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  BOARDS_JOB_MAX_ATTEMPTS: positiveInt.max(25).default(3),
  BOARDS_SSE_KEEPALIVE_SECONDS: z.coerce.number().positive().default(15),
  // Live-update limits (http/websocket.ts, graphql/useSubscriptionQuota.ts).
  BOARDS_WS_MAX_OPERATIONS_PER_CONNECTION: positiveInt.default(100),
  BOARDS_MAX_SUBSCRIPTIONS_PER_USER: positiveInt.default(100),
  BOARDS_MAX_UPLOAD_SIZE: positiveInt.default(104_857_600),
  BOARDS_UPLOAD_URL_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
  BOARDS_UPLOAD_URL_ALLOW_HOSTS: jsonString(z.array(z.string().min(1))).default([]),
  BOARDS_UPLOAD_TEMP_DIR: z
    .string()
    .refine((dir) => existsSync(dir) && statSync(dir).isDirectory(), "must be an existing directory")
    .optional(),
  // Slow clients: see the README's operations section.
  BOARDS_HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(20_000),
  BOARDS_HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(1_800_000),
  BOARDS_HTTP_BODY_IDLE_TIMEOUT_MS: positiveInt.default(30_000),
  BOARDS_HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
  // Tracing (src/tracing): off unless enabled; OTLP over HTTP.
  BOARDS_OTEL_ENABLED: booleanString.default(false),
  BOARDS_OTEL_ENDPOINT: z.string().url().default("http://localhost:4318"),
  BOARDS_OTEL_SERVICE_NAME: z.string().min(1).max(200).optional(),
  BOARDS_ALLOWED_UPLOAD_EXTENSIONS: jsonString(z.array(z.string().regex(/^\.[a-z0-9]+$/i, "must look like .png"))).default([
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".mov", ".avi", ".webm", ".mp3", ".wav", ".ogg", ".m4a", ".txt", ".md", ".json",
  ]),
});

export type AuthProviderName = z.infer<typeof EnvSchema>["BOARDS_AUTH_PROVIDER"];

/** Every variable this module reads (all documented in `.env.example`). */
export const ENV_VARIABLE_NAMES: readonly string[] = Object.keys(EnvSchema.shape);

/** Parsed, typed configuration of one process. */
export type Env = {
  environment: "development" | "test" | "production";
  version: string;
  databaseUrl: string;
  /** Whether a database URL was configured (without one, `npm start` runs an embedded PostgreSQL). */
  databaseUrlSet: boolean;
  databasePoolSize: number;
  redisUrl: string | undefined;
  /** Longest wait for one Redis command of the event bus. */
  redisCommandTimeoutMs: number;
  apiHost: string;
  apiPort: number;
  corsOrigins: string[];
  logLevel: string;
  auth: {
    provider: AuthProviderName;
    config: Record<string, unknown>;
    jwtSecret: string | undefined;
    /** Resolved settings of the oidc, auth0, clerk and supabase providers. */
    external: ExternalAuthSettings | undefined;
    /** Custom claim naming the tenant (BOARDS_JWT_TENANT_CLAIM). */
    tenantClaim: string | undefined;
    /** The token claim (BOARDS_ADMIN_ROLE_CLAIM) and value (BOARDS_ADMIN_ROLE) that make a user an admin of their tenant. */
    adminRole: { claim: string; value: string };
    /** Verified e-mail domain (lower case) → tenant slug, multi-tenant mode (BOARDS_TENANT_EMAIL_DOMAINS). */
    emailDomainTenants: ReadonlyMap<string, string>;
  };
  /** Bearer credential of the /api/setup/* endpoints; unset disables them. */
  adminToken: string | undefined;
  /**
   * GET /metrics: on a listener of its own when `port` is set (0: any free port), else on the
   * API's port (a worker process serves it only on `port`); behind `token` when set.
   */
  metrics: { port: number | undefined; token: string | undefined };
  multiTenantMode: boolean;
  /** Create an unknown tenant the first time a signed-in user names it. */
  tenantAutoCreate: boolean;
  tenantRegistration: {
    requiresApproval: boolean;
    allowedDomains: string[] | null;
    maxTenantsPerUser: number | null;
    frontendBaseUrl: string | undefined;
  };
  defaultTenantSlug: string;
  defaultTenantName: string;
  graphiql: boolean;
  graphqlLimits: { maxDepth: number; maxAliases: number; maxTokens: number; maxNodes: number; maxBodyBytes: number };
  generatorsConfigPath: string | undefined;
  /** Credits (see services/credits/): `off` records estimates only; `user` and `tenant` charge each user's or the tenant's account. */
  creditsMode: CreditsMode;
  /** AI provider keys, endpoint overrides, public URL and webhook secrets. */
  providers: ProviderSettings;
  storage: StorageConfig & {
    signingSecret: string | undefined;
    urlTtlMs: number;
  };
  /** Video poster frames: on unless turned off, made when ffmpeg runs from this path. */
  thumbnails: { videoPosters: boolean; ffmpegPath: string };
  worker: {
    inProcess: boolean;
    concurrency: number;
    pollIntervalMs: number;
    heartbeatMs: number;
    deadAfterMs: number;
    cancelCheckIntervalMs: number;
    progressIntervalMs: number;
    maxAttempts: number;
  };
  sseKeepAliveMs: number;
  /** Operations one WebSocket may run at once; live subscriptions one user may hold (per process). */
  liveLimits: { maxOperationsPerConnection: number; maxSubscriptionsPerUser: number };
  /** Limits on slow clients: whole headers, whole request, a body making no progress, idle keep-alive. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; bodyIdleTimeoutMs: number; keepAliveTimeoutMs: number };
  /** OpenTelemetry traces (see tracing/startTracing.ts). */
  tracing: TracingConfig;
  uploads: {
    maxBytes: number;
    allowedExtensions: string[];
    urlTimeoutMs: number;
    urlAllowHosts: string[];
    /** Where uploads are spooled while they are received and checked. */
    tempDir: string;
  };
};

/** Thrown by {@link loadEnv} with every problem found, one per line. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readProjectFile("package.json")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

/**
 * Rules spanning several variables, checked on the raw values so they are reported together
 * with any per-variable problem.
 */
function crossFieldProblems(raw: Record<string, string>): string[] {
  const problems: string[] = [];
  const provider = raw.BOARDS_AUTH_PROVIDER ?? "none";
  if (provider === "none" && raw.BOARDS_ENVIRONMENT === "production") {
    problems.push("BOARDS_AUTH_PROVIDER: 'none' accepts every request as one user and is refused in production");
  }
  if (Boolean(raw.BOARDS_AWS_ACCESS_KEY_ID) !== Boolean(raw.BOARDS_AWS_SECRET_ACCESS_KEY)) {
    problems.push("BOARDS_AWS_ACCESS_KEY_ID / BOARDS_AWS_SECRET_ACCESS_KEY: set both or neither (neither = the AWS default credential chain)");
  }
  const config = lenientConfig(raw.BOARDS_AUTH_CONFIG);
  if (provider === "jwt") {
    if (!config.secret_key && !raw.BOARDS_JWT_SECRET && typeof config.jwks_url !== "string") {
      problems.push("BOARDS_JWT_SECRET: required by the jwt auth provider (or set jwks_url in BOARDS_AUTH_CONFIG)");
    }
    const problem = typeof config.jwks_url === "string" && config.jwks_url !== "" ? endpointUrlProblem(config.jwks_url) : null;
    if (problem) problems.push(`BOARDS_AUTH_CONFIG: jwks_url ${problem}`);
  }
  problems.push(...resolveExternalAuth(provider, config, raw).problems);
  problems.push(...hmacSecretProblems(provider, config, raw));
  return problems;
}

/** Shortest HS256 secret accepted outside development (RFC 7518 §3.2: at least the hash size). */
const MIN_HMAC_SECRET_BYTES = 32;

/** Short HS256 secrets (guessable offline from any token) and a non-boolean `require_exp`. */
function hmacSecretProblems(provider: string, config: Record<string, unknown>, raw: Record<string, string>): string[] {
  const problems: string[] = [];
  if (config.require_exp !== undefined && typeof config.require_exp !== "boolean") problems.push("BOARDS_AUTH_CONFIG: require_exp must be true or false");
  if ((raw.BOARDS_ENVIRONMENT ?? "development") === "development") return problems;
  const secrets: Array<[string, unknown]> =
    provider === "jwt" ? [["BOARDS_AUTH_CONFIG: secret_key", config.secret_key], ["BOARDS_JWT_SECRET:", config.secret_key ? undefined : raw.BOARDS_JWT_SECRET]]
    : provider === "supabase" ? [["BOARDS_AUTH_CONFIG: jwt_secret", config.jwt_secret], ["BOARDS_SUPABASE_JWT_SECRET:", config.jwt_secret ? undefined : raw.BOARDS_SUPABASE_JWT_SECRET]]
    : [];
  for (const [label, secret] of secrets) {
    if (typeof secret === "string" && secret !== "" && Buffer.byteLength(secret) < MIN_HMAC_SECRET_BYTES) {
      problems.push(`${label} must be at least ${MIN_HMAC_SECRET_BYTES} bytes outside development (use a long random value)`);
    }
  }
  return problems;
}

/** BOARDS_AUTH_CONFIG as an object, or `{}` when it is not one (the schema check reports that). */
function lenientConfig(text: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text ?? "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported by the schema check
  }
  return {};
}

/**
 * Loads `.env` from the working directory into `process.env` when it exists; variables already
 * set in the environment win.
 */
export function loadDotEnvFile(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * Parses configuration from an environment map (default `process.env`).
 * @throws {EnvError} listing every invalid or missing variable.
 */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings count as unset, as in most .env loaders.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== "")) as Record<string, string>;
  const parsed = EnvSchema.safeParse(cleaned);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  problems.push(...crossFieldProblems(cleaned));
  const storage = resolveStorageConfig(cleaned, parsed.data?.BOARDS_API_PORT ?? 8088);
  problems.push(...storage.problems);
  // Node refuses a request timeout shorter than the headers timeout.
  if (parsed.success && parsed.data.BOARDS_HTTP_HEADERS_TIMEOUT_MS > parsed.data.BOARDS_HTTP_REQUEST_TIMEOUT_MS) {
    problems.push("BOARDS_HTTP_REQUEST_TIMEOUT_MS: must not be shorter than BOARDS_HTTP_HEADERS_TIMEOUT_MS");
  }
  if (parsed.success && parsed.data.BOARDS_METRICS_PORT !== undefined && parsed.data.BOARDS_METRICS_PORT === parsed.data.BOARDS_API_PORT && parsed.data.BOARDS_API_PORT !== 0) {
    problems.push("BOARDS_METRICS_PORT: must differ from BOARDS_API_PORT (unset it to serve /metrics on the API's port)");
  }
  let providers: ProviderSettings | undefined;
  try {
    providers = providerSettings(cleaned);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!parsed.success || !storage.config || !providers || problems.length > 0) throw new EnvError(problems);
  const e = parsed.data;

  return {
    environment: e.BOARDS_ENVIRONMENT,
    version: packageVersion(),
    databaseUrl: e.BOARDS_DATABASE_URL ?? e.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    databaseUrlSet: Boolean(e.BOARDS_DATABASE_URL ?? e.DATABASE_URL),
    databasePoolSize: e.BOARDS_DATABASE_POOL_SIZE,
    redisUrl: e.BOARDS_REDIS_URL ?? e.REDIS_URL,
    redisCommandTimeoutMs: e.BOARDS_REDIS_COMMAND_TIMEOUT_MS,
    apiHost: e.BOARDS_API_HOST,
    apiPort: e.BOARDS_API_PORT,
    corsOrigins: e.BOARDS_CORS_ORIGINS,
    logLevel: e.BOARDS_LOG_LEVEL,
    auth: {
      provider: e.BOARDS_AUTH_PROVIDER,
      config: e.BOARDS_AUTH_CONFIG,
      jwtSecret: e.BOARDS_JWT_SECRET,
      external: resolveExternalAuth(e.BOARDS_AUTH_PROVIDER, e.BOARDS_AUTH_CONFIG, cleaned).settings,
      tenantClaim: e.BOARDS_JWT_TENANT_CLAIM,
      adminRole: { claim: e.BOARDS_ADMIN_ROLE_CLAIM, value: e.BOARDS_ADMIN_ROLE },
      emailDomainTenants: new Map(Object.entries(e.BOARDS_TENANT_EMAIL_DOMAINS).map(([domain, slug]) => [domain.toLowerCase(), slug])),
    },
    adminToken: e.BOARDS_ADMIN_TOKEN,
    metrics: { port: e.BOARDS_METRICS_PORT, token: e.BOARDS_METRICS_TOKEN },
    multiTenantMode: e.BOARDS_MULTI_TENANT_MODE,
    // Single-tenant deployments create tenants on first use (as Boards does); multi-tenant ones
    // refuse unknown tenants unless told otherwise.
    tenantAutoCreate: e.BOARDS_TENANT_AUTO_CREATE ?? !e.BOARDS_MULTI_TENANT_MODE,
    tenantRegistration: {
      requiresApproval: e.BOARDS_TENANT_REGISTRATION_REQUIRES_APPROVAL,
      allowedDomains: e.BOARDS_TENANT_REGISTRATION_ALLOWED_DOMAINS?.map((d) => d.toLowerCase()) ?? null,
      maxTenantsPerUser: e.BOARDS_MAX_TENANTS_PER_USER ?? null,
      frontendBaseUrl: e.BOARDS_FRONTEND_BASE_URL?.replace(/\/+$/, ""),
    },
    defaultTenantSlug: e.BOARDS_DEFAULT_TENANT_SLUG,
    defaultTenantName: e.BOARDS_TENANT_NAME,
    graphiql: e.BOARDS_GRAPHIQL ?? e.BOARDS_ENVIRONMENT !== "production",
    graphqlLimits: {
      maxDepth: e.BOARDS_GRAPHQL_MAX_DEPTH,
      maxAliases: e.BOARDS_GRAPHQL_MAX_ALIASES,
      maxTokens: e.BOARDS_GRAPHQL_MAX_TOKENS,
      maxNodes: e.BOARDS_GRAPHQL_MAX_NODES,
      maxBodyBytes: e.BOARDS_GRAPHQL_MAX_BODY_BYTES,
    },
    generatorsConfigPath: e.BOARDS_GENERATORS_CONFIG_PATH,
    creditsMode: e.BOARDS_CREDITS_MODE,
    providers,
    storage: {
      ...storage.config,
      signingSecret: e.BOARDS_STORAGE_SIGNING_SECRET,
      urlTtlMs: e.BOARDS_STORAGE_URL_TTL_SECONDS * 1000,
    },
    thumbnails: { videoPosters: e.BOARDS_VIDEO_POSTERS, ffmpegPath: e.BOARDS_FFMPEG_PATH },
    worker: {
      inProcess: e.BOARDS_WORKER_IN_PROCESS,
      concurrency: e.BOARDS_WORKER_CONCURRENCY,
      pollIntervalMs: e.BOARDS_WORKER_POLL_INTERVAL_MS,
      heartbeatMs: e.BOARDS_WORKER_HEARTBEAT_SECONDS * 1000,
      deadAfterMs: e.BOARDS_WORKER_DEAD_AFTER_SECONDS * 1000,
      cancelCheckIntervalMs: e.BOARDS_WORKER_CANCEL_CHECK_MS,
      progressIntervalMs: e.BOARDS_PROGRESS_MIN_INTERVAL_MS,
      maxAttempts: e.BOARDS_JOB_MAX_ATTEMPTS,
    },
    sseKeepAliveMs: e.BOARDS_SSE_KEEPALIVE_SECONDS * 1000,
    liveLimits: {
      maxOperationsPerConnection: e.BOARDS_WS_MAX_OPERATIONS_PER_CONNECTION,
      maxSubscriptionsPerUser: e.BOARDS_MAX_SUBSCRIPTIONS_PER_USER,
    },
    http: {
      headersTimeoutMs: e.BOARDS_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.BOARDS_HTTP_REQUEST_TIMEOUT_MS,
      bodyIdleTimeoutMs: e.BOARDS_HTTP_BODY_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.BOARDS_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    tracing: { enabled: e.BOARDS_OTEL_ENABLED, endpoint: e.BOARDS_OTEL_ENDPOINT, serviceName: e.BOARDS_OTEL_SERVICE_NAME },
    uploads: {
      // An upload is a stored object too, so the storage limit caps it (while reading).
      maxBytes: Math.min(e.BOARDS_MAX_UPLOAD_SIZE, storage.config.maxFileSize),
      allowedExtensions: e.BOARDS_ALLOWED_UPLOAD_EXTENSIONS.map((x) => x.toLowerCase()),
      urlTimeoutMs: e.BOARDS_UPLOAD_URL_TIMEOUT_SECONDS * 1000,
      urlAllowHosts: e.BOARDS_UPLOAD_URL_ALLOW_HOSTS,
      tempDir: e.BOARDS_UPLOAD_TEMP_DIR ?? tmpdir(),
    },
  };
}
