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
 * 3. `start` builds when a source is newer than the last build, then runs `dist/src/main.js`;
 *    `dev` runs `tsx watch src/main.ts`; `worker` runs `src/worker.ts`; `setup` (`npm run
 *    db:setup`) stops here, with the database ready. `migrate-dev` (`npm run migrate:dev`) only
 *    creates the database in step 2, then creates and applies a migration (see migrateDev.ts).
 * 4. SIGINT/SIGTERM go to the child; once it has exited, the embedded PostgreSQL this process
 *    started is stopped, then this process exits with the child's status.
 *
 * Steps that do real work (first `initdb`, migrations, build) print one progress line each.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import type { Env } from "../src/env.js";
import { readProcessEnv } from "../src/processEnv.js";
import { displayUrl } from "./displayUrl.js";
import { migrateDev } from "./migrateDev.js";
import { pendingMigrations, runPrisma } from "./prismaCli.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embeddedPostgres.js";

type Mode = "start" | "dev" | "worker" | "setup" | "migrate-dev";

const root = fileURLToPath(new URL("..", import.meta.url));

function progress(line: string): void {
  console.log(`boards: ${line}`);
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Seconds since this process began, module loading included. */
function uptime(): string {
  return `${process.uptime().toFixed(1)} s`;
}

/** Runs a Node script of the project quietly; its output is printed only if it fails. */
function runQuietly(args: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`${args.join(" ")} failed (exit ${code}):\n${output}`))));
  });
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

async function migrate(url: string, childEnv: NodeJS.ProcessEnv): Promise<void> {
  const pending = await pendingMigrations(url, join(root, "prisma", "migrations"));
  if (pending.length === 0) return;
  const since = Date.now();
  progress(`applying ${pending.length} migration${pending.length === 1 ? "" : "s"}…`);
  const deployed = await runPrisma(["migrate", "deploy"], childEnv);
  if (deployed.code !== 0) throw new Error(`prisma migrate deploy failed (exit ${deployed.code}):\n${deployed.stdout}${deployed.stderr}`);
  progress(`migrations applied (${elapsed(since)})`);
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

/** Newest modification time under `path` (a file or a directory, recursively). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Builds `dist/` unless the last build (its stamp file) is newer than every source. */
async function buildIfChanged(childEnv: NodeJS.ProcessEnv): Promise<void> {
  const stamp = join(root, "dist", ".build-stamp");
  const sources = Math.max(...["src", "tsconfig.json", "tsconfig.build.json", "package.json"].map((p) => newest(join(root, p))));
  if (existsSync(stamp) && existsSync(join(root, "dist", "src", "main.js")) && statSync(stamp).mtimeMs >= sources) return;
  const since = Date.now();
  progress("building (sources changed since the last build)…");
  const begun = new Date();
  await runQuietly([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], childEnv);
  // Stamped with the time the build began: a source saved during the build triggers the next one.
  writeFileSync(stamp, begun.toISOString());
  utimesSync(stamp, begun, begun);
  progress(`built (${elapsed(since)})`);
}

function childCommand(mode: Mode): string[] {
  if (mode === "start") return [join(root, "dist", "src", "main.js")];
  const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
  if (mode === "dev") return [tsx, "watch", join(root, "src", "main.ts")];
  // In this child itself rather than under the tsx CLI, so signals reach the worker directly.
  return ["--import", pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href, join(root, "src", "worker.ts")];
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
    await migrate(chosen.url, childEnv);
    await seedIfNeeded(env, chosen.url);
    if (mode === "setup") {
      progress(`database ready in ${uptime()}`);
      return finish(0);
    }
    if (mode === "start") await buildIfChanged(childEnv);
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
