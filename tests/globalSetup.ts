/**
 * Once per test run: a fresh database of its own (`<prefix>_<pid>`, prefix
 * BOARDS_TEST_DATABASE_PREFIX, default `boards_test`, so concurrent runs never share one), migrated exactly as `npm start` migrates a real one, and dropped when the run ends
 * (kept with BOARDS_TEST_KEEP_DATABASE=true, for debugging).
 */
import type { TestProject } from "vitest/node";
import { createMigratedDatabase } from "./helpers/database.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = process.env.BOARDS_TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const prefix = process.env.BOARDS_TEST_DATABASE_PREFIX || "boards_test";
  const database = await createMigratedDatabase(server, `${prefix}_${process.pid}`);
  project.provide("databaseUrl", database.url);
  project.provide("redisUrl", process.env.BOARDS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15");
  return async () => {
    if (process.env.BOARDS_TEST_KEEP_DATABASE !== "true") await database.drop();
  };
}
