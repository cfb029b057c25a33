/**
 * `npm run migrate:dev`: turns the changes of `prisma/schema.prisma` into a new migration, applies
 * it to the development database and regenerates the client.
 *
 * `prisma migrate dev` itself is not used: with the WASM schema engine and a driver adapter (the
 * only engine that runs offline) it fails on a database with pending migrations ("shadow DB must
 * be provided through an external factory") and `--create-only` exits 1 with "null pointer passed
 * to rust" (Prisma 6.19 frees its engine twice). The same steps are done with commands that work:
 *
 * 1. pending migrations are applied (`prisma migrate deploy`);
 * 2. the SQL from the committed migrations to the schema is computed on a shadow database
 *    (`prisma migrate diff --from-migrations … --to-schema-datamodel … --script`);
 * 3. nothing to do: "in sync", nothing is created. Otherwise data-loss warnings need a
 *    confirmation (or `--accept-data-loss`), and the SQL is tried on the development database in a
 *    transaction that is rolled back, so a migration that cannot apply is never written;
 * 4. `prisma/migrations/<timestamp>_<name>/migration.sql` is written and applied with
 *    `migrate deploy`; if that fails, the folder (and Prisma's record of the failed attempt) is
 *    removed again;
 * 5. the client is regenerated (`prisma generate`).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { pendingMigrations } from "../src/cli/migrations.js";
import { runPrisma, type PrismaResult } from "./prismaCli.js";

const root = fileURLToPath(new URL("..", import.meta.url));

const USAGE =
  "usage: npm run migrate:dev -- [--name what_changed] [--create-only] [--skip-generate] [--accept-data-loss] [--schema path/to/schema.prisma]";

type Options = { name?: string; schema: string; createOnly: boolean; skipGenerate: boolean; acceptDataLoss: boolean };

function parseArgs(args: string[]): Options {
  const options: Options = { schema: join(root, "prisma", "schema.prisma"), createOnly: false, skipGenerate: false, acceptDataLoss: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === "--name" || flag === "-n") options.name = value();
    else if (flag === "--schema") options.schema = resolve(value());
    else if (flag === "--create-only") options.createOnly = true;
    else if (flag === "--skip-generate") options.skipGenerate = true;
    else if (flag === "--accept-data-loss") options.acceptDataLoss = true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

/** Prisma's folder name: UTC `YYYYMMDDHHMMSS_name`. */
function folderName(name: string, now = new Date()): string {
  const slug = name.trim().replace(/[^A-Za-z0-9_]+/g, "_").slice(0, 200);
  if (!/[A-Za-z0-9]/.test(slug)) throw new Error(`unusable migration name: ${JSON.stringify(name)}`);
  return `${now.toISOString().replace(/\D/g, "").slice(0, 14)}_${slug}`;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Prisma's own explanation of a failed command (its error, without the config banner). */
function prismaFailure(what: string, result: PrismaResult): Error {
  const output = `${result.stderr}\n${result.stdout}`
    .split("\n")
    .filter((line) => !/^(Loaded Prisma config|Prisma config detected|Prisma schema loaded|Datasource "db")/.test(line))
    .join("\n")
    .trim();
  return new Error(`${what} failed (exit ${result.code}):\n${output}`);
}

/** The data-loss warnings Prisma puts at the top of a script, one per line. */
function dataLossWarnings(sql: string): string[] {
  const block = /^\/\*\s*Warnings:([\s\S]*?)\*\//m.exec(sql);
  return block?.[1] ? block[1].split("\n").map((l) => l.trim()).filter((l) => l.startsWith("- ")) : [];
}

/**
 * Runs the SQL on the development database inside a transaction that is rolled back, and returns
 * why it fails (null when it would apply). Statements PostgreSQL refuses inside a transaction
 * cannot be tried this way; `migrate deploy` runs them one by one, so they count as applicable.
 */
async function tryOnDatabase(url: string, sql: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(sql);
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 25001: not allowed in a transaction block; 55P04: a new enum value used in the same transaction.
    if (code === "25001" || code === "55P04") return null;
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
}

/** Removes a migration that did not apply, and Prisma's record of the failed attempt. */
async function forget(url: string, folder: string, dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("DELETE FROM _prisma_migrations WHERE migration_name = $1 AND finished_at IS NULL", [folder]);
  } catch (error) {
    if ((error as { code?: string }).code !== "42P01") throw error;
  } finally {
    await client.end();
  }
}

/**
 * `npm run migrate:dev` against the database at `url` (already chosen and created by the start
 * script). Reports with `progress` lines; throws with the reason when it fails.
 */
export async function migrateDev(url: string, env: NodeJS.ProcessEnv, args: string[], progress: (line: string) => void): Promise<void> {
  const options = parseArgs(args);
  if (!existsSync(options.schema)) throw new Error(`no schema at ${options.schema}`);
  const migrationsDir = join(dirname(options.schema), "migrations");
  const schemaArgs = ["--schema", options.schema];
  const shown = (path: string) => relative(process.cwd(), path) || path;

  const pending = existsSync(migrationsDir) ? await pendingMigrations(url, migrationsDir) : [];
  if (pending.length > 0) {
    progress(`applying ${pending.length} pending migration${pending.length === 1 ? "" : "s"}…`);
    const deployed = await runPrisma(["migrate", "deploy", ...schemaArgs], env);
    if (deployed.code !== 0) throw prismaFailure("prisma migrate deploy", deployed);
  }

  const diff = await runPrisma(
    ["migrate", "diff", "--from-migrations", migrationsDir, "--to-schema-datamodel", options.schema, "--script", "--exit-code"],
    env,
  );
  if (diff.code !== 0 && diff.code !== 2) throw prismaFailure("prisma migrate diff", diff);
  if (diff.code === 0) {
    progress(`already in sync: ${shown(options.schema)} matches ${shown(migrationsDir)}, no migration created`);
  } else {
    const sql = diff.stdout.trimEnd() + "\n";
    const warnings = dataLossWarnings(sql);
    if (warnings.length > 0 && !options.acceptDataLoss) {
      const list = warnings.map((w) => `  ${w}`).join("\n");
      if (!process.stdin.isTTY) throw new Error(`this migration may lose data:\n${list}\nrun again with --accept-data-loss to create it anyway`);
      console.log(`boards: this migration may lose data:\n${list}`);
      if (!/^y(es)?$/i.test(await ask("Create and apply it anyway? [y/N] "))) throw new Error("cancelled, no migration created");
    }
    let name = options.name;
    if (!name && process.stdin.isTTY) name = await ask("Name of the new migration (what changed): ");
    if (!name) throw new Error(`the schema changed: a migration name is needed (--name what_changed)\n${USAGE}`);
    const folder = folderName(name);
    const why = await tryOnDatabase(url, sql);
    if (why) throw new Error(`the new migration does not apply to the development database, nothing was created: ${why}\n\n${sql}`);

    const dir = join(migrationsDir, folder);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "migration.sql"), sql);
    const lock = join(migrationsDir, "migration_lock.toml");
    if (!existsSync(lock))
      writeFileSync(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n');
    console.log(`boards: created ${shown(join(dir, "migration.sql"))}:\n\n${sql}`);
    if (options.createOnly) {
      progress("not applied (--create-only): edit it if needed, then run npm run migrate:dev again to apply it");
      return;
    }
    const deployed = await runPrisma(["migrate", "deploy", ...schemaArgs], env);
    if (deployed.code !== 0) {
      await forget(url, folder, dir);
      throw prismaFailure(`applying ${folder} (removed again)`, deployed);
    }
    progress(`applied ${folder}`);
  }
  if (options.skipGenerate) return;
  const generated = await runPrisma(["generate", "--no-hints", ...schemaArgs], env);
  if (generated.code !== 0) throw prismaFailure("prisma generate", generated);
  progress("Prisma client regenerated");
}
