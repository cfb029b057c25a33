/**
 * Once per test run: picks the PostgreSQL server and the Redis (see testDatabaseServer.ts and
 * testRedis.ts: configured, else running locally, else started for the run) and says which, one
 * line each. On that server, a fresh database of the run's own (`<prefix>_<pid>`, prefix
 * BOARDS_TEST_DATABASE_PREFIX, default `boards_test`, so concurrent runs never share one),
 * migrated exactly as `npm start` migrates a real one, and dropped when the run ends (kept with
 * BOARDS_TEST_KEEP_DATABASE=true, for debugging, unless the server was started for the run).
 */
import type { TestProject } from "vitest/node";
import { createMigratedDatabase, type ThrowawayDatabase } from "./helpers/database.js";
import { testDatabaseServer, type DatabaseServer } from "./helpers/testDatabaseServer.js";
import { testRedis, type RunRedis } from "./helpers/testRedis.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's migrated database. */
    databaseUrl: string;
    /** The run's Redis, null when it has none. */
    redisUrl: string | null;
    /** Why the run has no Redis (null when it has one). */
    redisMissing: string | null;
  }
}

export default async function setup(project: TestProject) {
  let server: DatabaseServer | undefined;
  let redis: RunRedis | undefined;
  let database: ThrowawayDatabase | undefined;
  const teardown = async () => {
    if (database && process.env.BOARDS_TEST_KEEP_DATABASE !== "true") await database.drop();
    await redis?.stop();
    await server?.stop();
  };
  try {
    server = await testDatabaseServer();
    console.log(`tests: database server: ${server.description}`);
    redis = await testRedis();
    console.log(`tests: Redis: ${redis.description}`);
    const prefix = process.env.BOARDS_TEST_DATABASE_PREFIX || "boards_test";
    database = await createMigratedDatabase(server.url, `${prefix}_${process.pid}`);
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide("databaseUrl", database.url);
  project.provide("redisUrl", redis.url);
  project.provide("redisMissing", redis.missing);
  return teardown;
}
