/**
 * API process: env → runtime → createApp → listen, with the job worker in the same process
 * unless BOARDS_WORKER_IN_PROCESS=false (then run `npm run worker` beside it). Stops gracefully
 * on SIGTERM/SIGINT: no new connections, in-flight requests and jobs get a grace period, then
 * everything is closed.
 */
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { createApp } from "./app.js";
import { createPool } from "./db.js";
import { httpServerOptions } from "./http/httpServerOptions.js";
import { installProcessGuards } from "./lib/installProcessGuards.js";
import { startWorker, type RunningWorker } from "./jobs/startWorker.js";
import { createLogger } from "./logger.js";
import { listenForMetrics } from "./metrics/metricsEndpoint.js";
import { readProcessEnv } from "./processEnv.js";
import { createRuntime } from "./runtime.js";
import { shutdownTracing, startTracing } from "./tracing/startTracing.js";

const SHUTDOWN_GRACE_MS = 10_000;

const env = readProcessEnv();
const logger = createLogger(env.logLevel);
// Before the runtime: the storage, jobs and Prisma it builds record spans only if tracing is on.
await startTracing(env.tracing, "api", env.version, logger);
const runtime = await createRuntime(env, logger);
const redis = env.redisUrl ? new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
redis?.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));

const app = createApp({ ...runtime, env, redis });
const server = createServer(httpServerOptions(env.http), app.handle);
// Registered before the WebSocket server's own listener: a port that is taken (or not ours to
// take) ends the process at once, non-zero, saying which.
const onListenError = (err: NodeJS.ErrnoException) => {
  const where = `${env.apiHost} port ${env.apiPort}`;
  logger.fatal({ err }, err.code === "EADDRINUSE" ? `cannot listen: ${where} is already in use` : `cannot listen on ${where}: ${err.message}`);
  process.exit(1);
};
server.once("error", onListenError);
const closeWebSockets = app.attachWebSockets(server);
// Listening before the worker starts, so a failure to listen leaves no job half-claimed.
await new Promise<void>((resolve) => server.listen(env.apiPort, env.apiHost, resolve));
server.off("error", onListenError);
server.on("error", (err) => logger.error({ err }, "HTTP server error"));
installProcessGuards(logger);
const metricsServer = await listenForMetrics(env, logger);

let worker: RunningWorker | undefined;
let workerPool: ReturnType<typeof createPool> | undefined;
if (env.worker.inProcess) {
  workerPool = createPool(env.databaseUrl, env.worker.concurrency + 2);
  worker = await startWorker({ ...runtime, pgPool: workerPool }, env.worker);
}

const address = server.address();
const port = typeof address === "object" && address ? address.port : env.apiPort;
logger.info(
  { port, graphql: `http://localhost:${port}/graphql`, auth: env.auth.provider, worker: env.worker.inProcess ? "in-process" : "external" },
  "boards-server listening",
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  // Keep-alive connections are closed as soon as their last response is over, not when their
  // keep-alive timeout ends.
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  // Live streams complete as at their natural end, rather than being cut at the end of the
  // grace period: their clients reconnect elsewhere and get the current state first.
  const graceOver = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
  await Promise.race([app.endLiveStreams(), graceOver]);
  // Lets the transports write those completions before the WebSockets are closed.
  await new Promise<void>((resolve) => setImmediate(resolve));
  await closeWebSockets();
  await worker?.stop();
  await closed;
  clearTimeout(timer);
  clearInterval(idle);
  await workerPool?.end();
  await metricsServer?.close();
  await runtime.close();
  await redis?.quit().catch(() => undefined);
  await shutdownTracing(logger);
  logger.info("stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
