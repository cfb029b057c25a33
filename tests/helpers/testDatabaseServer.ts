/**
 * The PostgreSQL server of a test run, chosen once by the global setup:
 *
 * 1. `BOARDS_TEST_DATABASE_URL` when set;
 * 2. else the local server on 127.0.0.1:5432 when it answers as `postgres` without a password
 *    (CI and development machines);
 * 3. else an embedded PostgreSQL 17, the one `npm start` runs (scripts/embeddedPostgres.ts), with
 *    its data in a throwaway directory, on a free port; stopped and removed when the run ends.
 */
import { readFileSync, rmSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { displayUrl } from "../../scripts/displayUrl.js";
import { startEmbeddedPostgres } from "../../scripts/embeddedPostgres.js";

export type DatabaseServer = {
  /** URL of the server's `postgres` database (may contain a password: never log it). */
  url: string;
  /** One line for the run's output: which server, and why. */
  description: string;
  /** Stops the server if the run started it. */
  stop(): Promise<void>;
};

const LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres";

/** Null when the local server accepts us, else why not. */
async function localServerProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: LOCAL, connectionTimeoutMillis: 5000 });
  // A failed connect also emits "error"; the rejection below is what we act on.
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED") return "no server on 127.0.0.1:5432";
    return `127.0.0.1:5432 did not let postgres in without a password: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Immediate shutdown of a cluster left running, and removal of its data. For an interrupted run:
 * on Ctrl-C vitest exits without its teardown, and PostgreSQL, a daemon of its own, would live on.
 */
function abandon(baseDir: string): void {
  try {
    const pid = Number(readFileSync(join(baseDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(pid, "SIGQUIT");
  } catch {
    // Not running (any more).
  }
  rmSync(baseDir, { recursive: true, force: true });
}

/** Picks (or starts) the run's PostgreSQL server. */
export async function testDatabaseServer(): Promise<DatabaseServer> {
  const configured = process.env.BOARDS_TEST_DATABASE_URL;
  if (configured) return { url: configured, description: `${displayUrl(configured)} (BOARDS_TEST_DATABASE_URL)`, stop: async () => undefined };

  const problem = await localServerProblem();
  if (problem === null) return { url: LOCAL, description: `${LOCAL} (the local server)`, stop: async () => undefined };

  const baseDir = await mkdtemp(join(tmpdir(), "boards-test-postgres-"));
  const onExit = () => abandon(baseDir);
  process.once("exit", onExit);
  const removeData = async () => {
    process.off("exit", onExit);
    await rm(baseDir, { recursive: true, force: true });
  };
  try {
    // As root, PostgreSQL runs as the postgres user, which must be able to reach its data.
    await chmod(baseDir, 0o755);
    // Durability is worth nothing for a throwaway cluster: no disk flushes (the suite's many
    // CREATE/DROP DATABASE take about a fifth less time without them).
    const embedded = await startEmbeddedPostgres(baseDir, () => undefined, { fsync: "off", synchronous_commit: "off", full_page_writes: "off" });
    const url = new URL(embedded.url);
    url.pathname = "/postgres";
    return {
      url: url.toString(),
      description: `embedded PostgreSQL 17 on 127.0.0.1:${embedded.port}, started for this run (${problem}; set BOARDS_TEST_DATABASE_URL to use another server)`,
      stop: async () => {
        await embedded.stop();
        await removeData();
      },
    };
  } catch (error) {
    abandon(baseDir);
    process.off("exit", onExit);
    throw error;
  }
}
