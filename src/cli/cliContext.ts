/**
 * What the database commands share: the server's configuration (environment and `.env`, as
 * src/processEnv.ts reads it) and a checked database connection. An unreachable database is
 * one clear line and exit status 1, not a driver stack trace.
 */
import pg from "pg";
import { pino } from "pino";
import { createPrisma, type PrismaClient } from "../db.js";
import { EnvError, loadDotEnvFile, loadEnv, type Env } from "../env.js";
import { EventBus } from "../events.js";
import { createJobQueue, type JobQueue } from "../jobs/jobQueue.js";
import type { Logger } from "../logger.js";
import { CliError } from "./CliError.js";
import { describeDatabase } from "./describeDatabase.js";

/** The configuration, or a CliError listing every problem with it. */
export function readCliEnv(): Env {
  try {
    loadDotEnvFile();
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) throw new CliError(error.message);
    throw error;
  }
}

export type CliDatabase = {
  env: Env;
  pool: pg.Pool;
  prisma: PrismaClient;
  /** Publishes generation changes (to Redis when configured, so the API's subscribers see them). */
  events: EventBus;
  jobs: JobQueue;
  logger: Logger;
  close(): Promise<void>;
};

const CONNECT_TIMEOUT_MS = 10_000;

/** Opens the configured database, or fails with a CliError naming it (never its password). */
export async function openDatabase(env: Env = readCliEnv()): Promise<CliDatabase> {
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof AggregateError ? error.errors.map(String).join("; ") : error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot reach the database ${describeDatabase(env.databaseUrl)}: ${reason || "connection failed"}`);
  }
  // Warnings and errors only, on stderr: stdout is the command's answer (often JSON).
  const logger = pino({ level: env.logLevel === "silent" ? "silent" : "warn", base: { service: "boards-cli" } }, pino.destination(2));
  const prisma = createPrisma(pool);
  const events = EventBus.create(env.redisUrl, { logger, commandTimeoutMs: env.redisCommandTimeoutMs });
  return {
    env,
    pool,
    prisma,
    events,
    jobs: createJobQueue({ maxAttempts: env.worker.maxAttempts }),
    logger,
    async close() {
      await events.close();
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
