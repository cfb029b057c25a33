/**
 * Worker process (`npm run worker`): runs generation jobs from the shared Postgres queue. Any
 * number can run beside any number of API processes. On SIGTERM/SIGINT it takes no new jobs,
 * lets running ones finish for a few seconds, then aborts them so they are retried elsewhere.
 */
import { createPool } from "./db.js";
import { startWorker } from "./jobs/startWorker.js";
import { installProcessGuards } from "./lib/installProcessGuards.js";
import { createLogger } from "./logger.js";
import { listenForMetrics } from "./metrics/metricsEndpoint.js";
import { readProcessEnv } from "./processEnv.js";
import { createRuntime } from "./runtime.js";
import { shutdownTracing, startTracing } from "./tracing/startTracing.js";

const env = readProcessEnv();
const logger = createLogger(env.logLevel).child({ process: "worker" });
await startTracing(env.tracing, "worker", env.version, logger);
const runtime = await createRuntime(env, logger);
const pgPool = createPool(env.databaseUrl, env.worker.concurrency + 2);
const worker = await startWorker({ ...runtime, pgPool }, env.worker);
installProcessGuards(logger);
// A worker has no HTTP server: its /metrics (its own registry) exists only on a port of its own.
const metricsServer = await listenForMetrics(env, logger);
logger.info({ concurrency: env.worker.concurrency, generators: runtime.generators.list().map((g) => g.name) }, "worker started");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "worker shutting down");
  await worker.stop();
  await pgPool.end();
  await metricsServer?.close();
  await runtime.close();
  await shutdownTracing(logger);
  logger.info("worker stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
