/**
 * Throwaway databases for tests and benchmarks: created empty, migrated with the committed
 * migrations (the same `prisma migrate deploy` that `npm start` runs) plus the job queue's
 * schema, dropped afterwards.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { runMigrations } from "graphile-worker";
import pg from "pg";
import { createPool } from "../../src/db.js";

const run = promisify(execFile);

async function adminQuery(databaseUrl: URL, sql: string) {
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export type ThrowawayDatabase = { url: string; drop: () => Promise<void> };

/** Creates database `name` on the server of `serverUrl` (re-creating it if present) and migrates it. */
export async function createMigratedDatabase(serverUrl: string, name: string): Promise<ThrowawayDatabase> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unusual database name ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(url, `CREATE DATABASE "${name}"`);
  // Async on purpose: a blocking exec would stall anything else on the event loop.
  await run("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, BOARDS_DATABASE_URL: url.toString(), DATABASE_URL: url.toString(), NODE_OPTIONS: "--require ./scripts/unref-long-timers.cjs" },
  });
  // The job queue's schema, as the API and worker install it at start-up.
  const pool = createPool(url.toString(), 2);
  try {
    await runMigrations({ pgPool: pool });
  } finally {
    await pool.end();
  }
  return { url: url.toString(), drop: () => adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
