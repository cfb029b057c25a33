/**
 * Applying the committed Prisma migrations, as `npm start` and `boards migrate` do: the Prisma
 * CLI (slow to start) runs only when a migration directory is not yet recorded as applied.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { CliError } from "./CliError.js";
import { projectRoot } from "./projectRoot.js";
import { runQuietly } from "./runQuietly.js";

/** Migration directories of `dir` not yet recorded as applied (all of them when Prisma's table is absent). */
export async function pendingMigrations(url: string, dir = join(projectRoot, "prisma", "migrations")): Promise<string[]> {
  const wanted = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return wanted.filter((name) => !applied.has(name));
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return wanted;
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations with `prisma migrate deploy`; returns their names (none: nothing
 * ran). `progress` gets one line before and one after, only when there is work.
 */
export async function applyMigrations(url: string, childEnv: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<string[]> {
  const pending = await pendingMigrations(url);
  if (pending.length === 0) return [];
  const prismaCli = join(projectRoot, "node_modules", "prisma", "build", "index.js");
  if (!existsSync(prismaCli)) throw new CliError("the Prisma CLI (package `prisma`) is not installed; install the dev dependencies to migrate");
  const since = Date.now();
  progress(`applying ${pending.length} migration${pending.length === 1 ? "" : "s"}…`);
  await runQuietly(
    [prismaCli, "migrate", "deploy"],
    {
      ...childEnv,
      BOARDS_DATABASE_URL: url,
      // Prisma's schema engine leaves 10 s timers armed; see the preload.
      NODE_OPTIONS: `--require ${join(projectRoot, "scripts", "unref-long-timers.cjs")}`,
    },
    // From the project directory, where the CLI finds prisma.config.ts (else it wants native engines).
    projectRoot,
  );
  progress(`migrations applied (${((Date.now() - since) / 1000).toFixed(1)} s)`);
  return pending;
}
