/**
 * `npm start` (and `npm run dev`, `npm run worker`): gets the database ready, then runs the
 * process and stays beside it.
 *
 * 1. Database: the configured URL (BOARDS_DATABASE_URL, then DATABASE_URL) always wins. Without
 *    one, production refuses to start; otherwise PostgreSQL runs embedded from
 *    `./.boards/postgres` (see embeddedPostgres.ts), or is joined if another process of this
 *    working directory already runs it. One line says which database is in use.
 * 2. The database is created if missing, pending migrations are applied (the Prisma CLI runs only
 *    when a migration directory is not yet recorded), the default tenant is seeded.
 * 3. `start` and `worker` build when a source is newer than the last build, then run
 *    `dist/src/main.js` or `dist/src/worker.js`; `dev` runs `tsx watch src/main.ts`; `setup`
 *    (`npm run db:setup`) stops here, with the database ready. `migrate-dev` (`npm run
 *    migrate:dev`) only creates the database in step 2, then creates and applies a migration
 *    (see migrateDev.ts).
 * 4. SIGINT/SIGTERM go to the child; once it has exited, the embedded PostgreSQL this process
 *    started is stopped, then this process exits with the child's status.
 *
 * Steps that do real work (first `initdb`, migrations, build) print one progress line each.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { SERVER_NODE_FLAGS } from "./serverNodeFlags.js";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { buildIfChanged, compiledEntry } from "../src/cli/build.js";
import { applyMigrations } from "../src/cli/migrations.js";
import type { Env } from "../src/env.js";
import { readProcessEnv } from "../src/processEnv.js";
import { displayUrl } from "./displayUrl.js";
import { migrateDev } from "./migrateDev.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embeddedPostgres.js";

type Mode = "start" | "dev" | "worker" | "setup" | "migrate-dev";

const root = fileURLToPath(new URL("..", import.meta.url));

function progress(line: string): void {
  console.log(`boards: ${line}`);
}

/** Seconds since this process began, module loading included. */
function uptime(): string {
  return `${process.uptime().toFixed(1)} s`;
}

async function createDatabaseIfMissing(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`refusing to create a database with an unusual name: ${name}`);
  target.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Seeds the default tenant when it is missing; Prisma's client (slow to load) only then. */
async function seedIfNeeded(env: Env, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM tenants WHERE slug = $1", [env.defaultTenantSlug]);
    if (rowCount) return;
  } finally {
    await client.end();
  }
  const { seedDatabase } = await import("../prisma/seed.js");
  await seedDatabase({ ...env, databaseUrl: url });
}

function childCommand(mode: Mode): string[] {
  if (mode === "start") return [...SERVER_NODE_FLAGS, compiledEntry("main")];
  if (mode === "worker") return [...SERVER_NODE_FLAGS, compiledEntry("worker")];
  return [join(root, "node_modules", "tsx", "dist", "cli.mjs"), "watch", join(root, "src", "main.ts")];
}

async function chooseDatabase(env: Env): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (env.databaseUrlSet) {
    progress(`database: ${displayUrl(env.databaseUrl)} (configured)`);
    return { url: env.databaseUrl };
  }
  if (env.environment === "production") {
    console.error(
      "boards: BOARDS_ENVIRONMENT=production requires BOARDS_DATABASE_URL (or DATABASE_URL); the embedded PostgreSQL is for development only",
    );
    process.exit(1);
  }
  const embedded = await startEmbeddedPostgres(resolve(".boards"), progress);
  const state = embedded.owned ? "started" : "already running";
  progress(`database: embedded PostgreSQL in ${embedded.where}, ${displayUrl(embedded.url)} (${state}; set BOARDS_DATABASE_URL to use another)`);
  return { url: embedded.url, embedded };
}

/** The shell's convention for a process ended by `signal`. */
function exitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

async function main(mode: Mode): Promise<void> {
  const env = readProcessEnv();
  let embedded: EmbeddedDatabase | undefined;
  let child: ChildProcess | undefined;
  let signalled: NodeJS.Signals | undefined;

  const finish = async (code: number) => {
    await embedded?.stop().catch((error: unknown) => console.error(`boards: could not stop the embedded PostgreSQL: ${String(error)}`));
    process.exit(code);
  };
  let startingDatabase = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (child) {
      child.kill(signal);
      return;
    }
    if (signalled) return;
    signalled = signal;
    // Still preparing: stop now, except while PostgreSQL is starting (then once it has started,
    // so that it is stopped too).
    if (!startingDatabase) void finish(exitCode(signal));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    startingDatabase = true;
    const chosen = await chooseDatabase(env);
    embedded = chosen.embedded;
    startingDatabase = false;
    if (signalled) return finish(exitCode(signalled));
    const childEnv: NodeJS.ProcessEnv = { ...process.env, BOARDS_DATABASE_URL: chosen.url };
    await createDatabaseIfMissing(chosen.url);
    if (mode === "migrate-dev") {
      await migrateDev(chosen.url, childEnv, process.argv.slice(3), progress);
      return finish(0);
    }
    await applyMigrations(chosen.url, childEnv, progress);
    await seedIfNeeded(env, chosen.url);
    if (mode === "setup") {
      progress(`database ready in ${uptime()}`);
      return finish(0);
    }
    if (mode === "start" || mode === "worker") await buildIfChanged(childEnv, progress);
    if (signalled) return;
    progress(`ready in ${uptime()}, starting ${mode === "worker" ? "the worker" : "the API"}`);
    // Its own process group: a Ctrl-C reaches it once, through onSignal, not also from the terminal.
    child = spawn(process.execPath, childCommand(mode), { cwd: process.cwd(), env: childEnv, stdio: "inherit", detached: true });
    child.on("exit", (code, signal) => void finish(code ?? (signal ? exitCode(signal) : 1)));
  } catch (error) {
    console.error(`boards: ${error instanceof Error ? error.message : String(error)}`);
    await finish(1);
  }
}

const mode = (process.argv[2] ?? "start") as Mode;
if (!["start", "dev", "worker", "setup", "migrate-dev"].includes(mode)) {
  console.error(`boards: unknown mode ${mode} (start, dev, worker, setup or migrate-dev)`);
  process.exit(2);
}
await main(mode);
