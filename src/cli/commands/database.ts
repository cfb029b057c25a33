/** `boards migrate` and `boards seed`: the database steps of `npm start`, on their own. */
import { Logger, runMigrations } from "graphile-worker";
import { seedDatabase } from "../../../prisma/seed.js";
import { openDatabase, readCliEnv } from "../cliContext.js";
import { describeDatabase } from "../describeDatabase.js";
import { applyMigrations } from "../migrations.js";
import { printJson } from "../output.js";

// graphile-worker says nothing worth showing when its schema is current.
const quietGraphileLogger = new Logger(() => (level, message) => {
  if (level === "error") process.stderr.write(`boards: ${message}\n`);
});

const progress = (line: string) => process.stderr.write(`boards: ${line}\n`);

/**
 * Applies pending Prisma migrations (nothing, and no Prisma CLI, when none is pending), then
 * installs or updates the job queue's schema, as the API and worker do when they start.
 */
export async function migrate(options: { json?: boolean }): Promise<void> {
  // Checked first, so an unreachable database is the same one-line error as everywhere.
  const db = await openDatabase();
  let applied: string[];
  try {
    applied = await applyMigrations(db.env.databaseUrl, process.env, progress);
    await runMigrations({ pgPool: db.pool, logger: quietGraphileLogger });
  } finally {
    await db.close();
  }
  if (options.json) printJson({ database: describeDatabase(db.env.databaseUrl), applied });
  else process.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}\n` : "Database is up to date; no migration to apply\n");
}

/** Creates the default tenant (BOARDS_DEFAULT_TENANT_SLUG) when it is missing. */
export async function seed(options: { json?: boolean }): Promise<void> {
  const env = readCliEnv();
  const db = await openDatabase(env);
  await db.close();
  const created = await seedDatabase(env);
  if (options.json) printJson({ tenant: env.defaultTenantSlug, created });
  else process.stdout.write(`Default tenant '${env.defaultTenantSlug}' ${created ? "created" : "is already present"}\n`);
}
