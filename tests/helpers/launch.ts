/**
 * Starts the real API (createApp on node:http, port 0) and talks to it over real HTTP. Each call
 * gets its own configuration, so tests can switch auth modes. Free of vitest, so benchmarks
 * use it too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type pg from "pg";
import { createApp } from "../../src/app.js";
import { createPool, type PrismaClient } from "../../src/db.js";
import { loadEnv, type Env } from "../../src/env.js";
import { startWorker, type RunningWorker } from "../../src/jobs/startWorker.js";
import { createLogger } from "../../src/logger.js";
import { createRuntime, type Runtime } from "../../src/runtime.js";
import type { LocalProviderConfig } from "../../src/storage/storageConfig.js";

export const TEST_JWT_SECRET = "test-secret-for-boards-server-tests-only";

export type GqlResult<T = Record<string, unknown>> = {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> | undefined;
  body: Record<string, unknown>;
};

export type RequestOptions = { token?: string | null; tenant?: string | null; headers?: Record<string, string> };

export type TestServer = {
  url: string;
  prisma: PrismaClient;
  pool: pg.Pool;
  env: Env;
  runtime: Runtime;
  /** The in-process job worker, when started with `{ worker: true }`. */
  worker: RunningWorker | undefined;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GqlResult<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

export type LaunchOptions = {
  /** Run a job worker in the same process (default false). */
  worker?: boolean;
  /** Replace parts of the runtime (e.g. a failing job queue). */
  override?: (runtime: Runtime) => Runtime;
};

/**
 * Starts an API server on `databaseUrl`; `env` overrides BOARDS_* variables (default: jwt auth
 * with the test secret, no Redis, files in a fresh temporary directory, fast worker timings).
 * Set BOARDS_REDIS_URL to use Redis for events and have /ready check it. `{url}` in a value is
 * replaced by the server's URL, which is known only once it listens.
 * Tests call `startServer` (tests/helpers/server.ts), which supplies the run's database.
 */
export async function launchServer(databaseUrl: string, env: Record<string, string> = {}, options: LaunchOptions = {}): Promise<TestServer> {
  // Listen first: the storage's public URLs need the port.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const storageDir = env.BOARDS_STORAGE_LOCAL_BASE_PATH ? null : await mkdtemp(join(tmpdir(), "boards-test-storage-"));
  const config = loadEnv({
    BOARDS_ENVIRONMENT: "test",
    BOARDS_DATABASE_URL: databaseUrl,
    BOARDS_DATABASE_POOL_SIZE: "5",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: process.env.BOARDS_TEST_LOG_LEVEL ?? "silent",
    BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir ?? "",
    BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: `${url}/api/storage`,
    BOARDS_WORKER_POLL_INTERVAL_MS: "200",
    BOARDS_WORKER_HEARTBEAT_SECONDS: "0.5",
    BOARDS_WORKER_DEAD_AFTER_SECONDS: "3",
    BOARDS_WORKER_CANCEL_CHECK_MS: "500",
    BOARDS_SSE_KEEPALIVE_SECONDS: "15",
    // `{url}` in a value stands for this server's own URL (e.g. BOARDS_PUBLIC_URL).
    ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll("{url}", url)])),
  });
  const logger = createLogger(config.logLevel);
  const base = await createRuntime(config, logger);
  const runtime = options.override ? options.override(base) : base;
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on("error", () => undefined);
  const app = createApp({ ...runtime, env: config, redis });
  server.on("request", app.handle);
  const closeWebSockets = app.attachWebSockets(server);
  const workerPool = options.worker ? createPool(config.databaseUrl, config.worker.concurrency + 2) : undefined;
  const worker = workerPool ? await startWorker({ ...runtime, pgPool: workerPool }, config.worker) : undefined;
  const { prisma, pool } = runtime;

  return {
    url,
    prisma,
    pool,
    env: config,
    runtime,
    worker,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    gql: (query, variables, options) => postGraphql(url, query, variables, options),
    async close() {
      await worker?.stop();
      await workerPool?.end();
      await closeWebSockets();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      redis?.disconnect();
      if (storageDir) await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** POSTs one GraphQL operation to the API at `url` (a server of this process or another). */
export async function postGraphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: RequestOptions = {},
): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.tenant) headers["x-tenant"] = options.tenant;
  const response = await fetch(`${url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return {
    status: response.status,
    headers: response.headers,
    data: body.data as never,
    errors: body.errors as GqlResult["errors"],
    body,
  };
}

/** The `local` storage provider a test server was configured with (directory and URL base). */
export function localStorageOf(env: Env): LocalProviderConfig {
  const local = env.storage.providers.local;
  if (local?.type !== "local") throw new Error("this server has no local storage provider");
  return local;
}

/** The directory of the `local` storage provider a test server was configured with. */
export const localStorageDir = (env: Env): string => localStorageOf(env).basePath;
