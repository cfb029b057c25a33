/**
 * graphile-worker's preset for its own CLI (`npx graphile-worker`, loaded by the project's
 * graphile.config.ts): our configuration (database, concurrency, poll interval, logger) and
 * our tasks, loaded from graphileTasks/ — one file per task identifier, as graphile-worker
 * documents. The tasks need the runtime (storage, generators, event bus), created when
 * graphile-worker starts a worker pool and closed when it releases it, so `--schema-only`
 * creates none; the pool heartbeats like our own workers do, so no other worker takes its jobs
 * for a dead worker's.
 */
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { WorkerPreset, type Task, type TaskList, type WorkerEvents } from "graphile-worker";
import type { Env } from "../env.js";
import { graphileLogger, workerTaskList } from "../jobs/startWorker.js";
import { WorkerLiveness } from "../jobs/workerLiveness.js";
import { createLogger, type Logger } from "../logger.js";
import { readProcessEnv } from "../processEnv.js";
import { createRuntime, type Runtime } from "../runtime.js";

type Hosted = { runtime: Runtime; liveness: WorkerLiveness; tasks: TaskList };

let configured: { env: Env; logger: Logger } | undefined;
let hosted: Promise<Hosted> | undefined;
/** Heartbeat registrations under way: a release waits for them, or a late one would outlive it. */
const registering = new Set<Promise<void>>();

function host(): Promise<Hosted> {
  if (!configured) throw new Error("graphile-worker was started without the project's graphile.config.ts");
  const { env, logger } = configured;
  hosted ??= (async () => {
    const runtime = await createRuntime(env, logger);
    const liveness = new WorkerLiveness(runtime, { heartbeatMs: env.worker.heartbeatMs, deadAfterMs: env.worker.deadAfterMs });
    liveness.start();
    return { runtime, liveness, tasks: workerTaskList(runtime, env.worker) };
  })();
  return hosted;
}

async function release(): Promise<void> {
  if (!hosted) return;
  const { runtime, liveness } = await hosted;
  hosted = undefined;
  await Promise.all(registering);
  await liveness.stop();
  await runtime.close();
}

/** The executor of task `identifier`, run on this process's runtime (a task file's default export). */
export function hostedTask(identifier: string): Task {
  return async (payload, helpers) => {
    const task = (await host()).tasks[identifier];
    if (!task) throw new Error(`no task ${identifier} among the worker's tasks`);
    return task(payload, helpers);
  };
}

/** The preset: our configuration (environment and `.env`), our tasks, our logger. */
export function graphileWorkerPreset(): GraphileConfig.Preset {
  const env = readProcessEnv();
  const logger = createLogger(env.logLevel).child({ process: "graphile-worker" });
  configured = { env, logger };
  const events: WorkerEvents = new EventEmitter();
  events.on("pool:create", ({ workerPool }) => {
    const registration = host()
      .then(({ liveness }) => liveness.add(workerPool.id))
      .catch((err: unknown) => logger.error({ err }, "could not start the worker's runtime"))
      .finally(() => registering.delete(registration));
    registering.add(registration);
  });
  events.on("pool:release", () => {
    void release().catch((err: unknown) => logger.warn({ err }, "could not release the worker's runtime"));
  });
  // Compiled: the .js files beside this one; through tsx: the .ts sources.
  const compiled = import.meta.url.endsWith(".js");
  return {
    extends: [WorkerPreset],
    worker: {
      connectionString: env.databaseUrl,
      concurrentJobs: env.worker.concurrency,
      pollInterval: env.worker.pollIntervalMs,
      maxPoolSize: Math.max(10, env.worker.concurrency + 2),
      taskDirectory: fileURLToPath(new URL("./graphileTasks", import.meta.url)),
      fileExtensions: compiled ? [".js"] : [".ts"],
      logger: graphileLogger(logger),
      events,
    },
  };
}
