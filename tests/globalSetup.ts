/**
 * Once per test run: a fresh `boards_test` database (dropped and re-created), migrated with the
 * committed migrations, exactly as `npm start` migrates a real one.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import type { TestProject } from "vitest/node";

const run = promisify(execFile);

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const base = new URL(process.env.BOARDS_TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/boards_test");
  const name = base.pathname.slice(1);
  const admin = new URL(base);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  // Async on purpose: a blocking exec would stall anything else on the event loop.
  await run("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: base.toString(), NODE_OPTIONS: "--require ./scripts/unref-long-timers.cjs" },
  });
  project.provide("databaseUrl", base.toString());
  project.provide("redisUrl", process.env.BOARDS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15");
}
