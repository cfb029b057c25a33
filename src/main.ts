/**
 * API process: env → dependencies → createApp → listen. Stops gracefully on SIGTERM/SIGINT:
 * no new connections, in-flight requests get a grace period, then everything is closed.
 */
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import { createPool, createPrisma } from "./db.js";
import { EnvError, loadDotEnvFile, loadEnv, type Env } from "./env.js";
import { createLogger } from "./logger.js";

const SHUTDOWN_GRACE_MS = 10_000;

function readEnv(): Env {
  try {
    loadDotEnvFile();
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const env = readEnv();
const logger = createLogger(env.logLevel);
const pool = createPool(env.databaseUrl, env.databasePoolSize);
const prisma = createPrisma(pool);
const redis = env.redisUrl ? new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
redis?.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));

const app = createApp({ env, prisma, logger, redis });
const server = createServer(app.handle);

server.listen(env.apiPort, env.apiHost, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.apiPort;
  logger.info({ port, graphql: `http://localhost:${port}/graphql`, auth: env.auth.provider }, "boards-server listening");
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearTimeout(timer);
  await prisma.$disconnect();
  await pool.end();
  await redis?.quit().catch(() => undefined);
  logger.info("stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
