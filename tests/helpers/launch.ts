/**
 * Starts the real API (createApp on node:http, port 0) and talks to it over real HTTP. Each call
 * gets its own configuration, so tests can switch auth modes. Free of vitest, so benchmarks
 * use it too.
 */
import { createServer, type Server } from "node:http";
import { Redis } from "ioredis";
import type { AddressInfo } from "node:net";
import { createApp } from "../../src/app.js";
import { createPool, createPrisma, type PrismaClient } from "../../src/db.js";
import { loadEnv } from "../../src/env.js";
import { createLogger } from "../../src/logger.js";
import type pg from "pg";

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
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GqlResult<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

/**
 * Starts an API server on `databaseUrl`; `env` overrides BOARDS_* variables (default: jwt auth
 * with the test secret, no Redis). Set BOARDS_REDIS_URL to have /ready check a Redis.
 * Tests call `startServer` (tests/helpers/server.ts), which supplies the run's database.
 */
export async function launchServer(databaseUrl: string, env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadEnv({
    BOARDS_ENVIRONMENT: "test",
    BOARDS_DATABASE_URL: databaseUrl,
    BOARDS_DATABASE_POOL_SIZE: "5",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: process.env.BOARDS_TEST_LOG_LEVEL ?? "silent",
    ...env,
  });
  const pool = createPool(config.databaseUrl, config.databasePoolSize);
  const prisma = createPrisma(pool);
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on("error", () => undefined);
  const app = createApp({ env: config, prisma, logger: createLogger(config.logLevel), redis });
  const server: Server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    prisma,
    pool,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    async gql(query, variables, options = {}) {
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
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await prisma.$disconnect();
      await pool.end();
      redis?.disconnect();
    },
  };
}
