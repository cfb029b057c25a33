/**
 * Starts graphile-worker with the generation task, plus heartbeats and dead-worker recovery.
 * Used by the worker process (src/worker.ts), in-process by the API (src/main.ts), and by tests.
 */
import { CANCEL_AT_PROVIDER, createCancelAtProviderTask } from "./cancelAtProvider.js";
import { createPollGenerationTask } from "./pollGeneration.js";
import { POLL_GENERATION } from "./pollGenerationJob.js";
import type { ProviderAdapters } from "../providers/ProviderAdapter.js";
import { EventEmitter } from "node:events";
import { Logger as GraphileLogger, run, type Runner, type TaskList, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import type { Logger } from "../logger.js";
import { createDeleteStoredObjectsTask, DELETE_STORED_OBJECTS } from "./deleteStoredObjects.js";
import { JobHandedBack } from "./handBackJob.js";
import { createRunGenerationTask, RUN_GENERATION, type RunGenerationDeps } from "./runGeneration.js";
import { WorkerLiveness } from "./workerLiveness.js";
import { instrumentTasks } from "../metrics/instrumentTask.js";
import { traceJob } from "../tracing/jobSpans.js";

export type WorkerOptions = {
  concurrency: number;
  pollIntervalMs: number;
  heartbeatMs: number;
  deadAfterMs: number;
  cancelCheckIntervalMs: number;
  progressIntervalMs: number;
};

export type RunningWorker = { runner: Runner; liveness: WorkerLiveness; stop: () => Promise<void> };

/** graphile-worker's logger writing to ours (its debug chatter at debug). */
export function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    // A job handed back on shutdown reaches graphile-worker as a failed task, which it logs as
    // an error with a stack trace; the task has already logged the hand-back at info.
    if (meta?.error instanceof JobHandedBack) {
      logger.debug({ scope: { label: scope.label, workerId: scope.workerId, jobId: scope.jobId } }, "job handed back");
      return;
    }
    const entry = { scope: { label: scope.label, workerId: scope.workerId, jobId: scope.jobId }, ...meta };
    if (level === "error") logger.error(entry, message);
    else if (level === "warning") logger.warn(entry, message);
    else logger.debug(entry, message);
  });
}

/**
 * Every task a worker runs, by identifier. `npx graphile-worker` loads them by file name from
 * src/cli/graphileTasks/, so a task added here needs a file there too.
 */
export function workerTaskList(
  deps: Omit<RunGenerationDeps, "cancelCheckIntervalMs" | "progressIntervalMs"> & { providers?: ProviderAdapters },
  options: Pick<WorkerOptions, "cancelCheckIntervalMs" | "progressIntervalMs">,
): TaskList {
  // Metrics and job log lines outside, the trace span inside around the task itself.
  return instrumentTasks(deps.logger, {
    [RUN_GENERATION]: traceJob(
      RUN_GENERATION,
      createRunGenerationTask({
        ...deps,
        cancelCheckIntervalMs: options.cancelCheckIntervalMs,
        progressIntervalMs: options.progressIntervalMs,
      }),
    ),
    [DELETE_STORED_OBJECTS]: traceJob(DELETE_STORED_OBJECTS, createDeleteStoredObjectsTask(deps)),
    [CANCEL_AT_PROVIDER]: traceJob(CANCEL_AT_PROVIDER, createCancelAtProviderTask(deps)),
    [POLL_GENERATION]: traceJob(POLL_GENERATION, createPollGenerationTask({ ...deps, progressIntervalMs: options.progressIntervalMs })),
  });
}

export async function startWorker(
  deps: Omit<RunGenerationDeps, "cancelCheckIntervalMs" | "progressIntervalMs"> & { providers?: ProviderAdapters; pgPool: pg.Pool },
  options: WorkerOptions,
): Promise<RunningWorker> {
  const liveness = new WorkerLiveness(deps, { heartbeatMs: options.heartbeatMs, deadAfterMs: options.deadAfterMs });
  const events: WorkerEvents = new EventEmitter();
  // graphile-worker (since 0.17) locks jobs with the id of the worker *pool*, so that is what the
  // heartbeat must vouch for.
  events.on("pool:create", ({ workerPool }) => {
    void liveness.add(workerPool.id).catch((err: unknown) => deps.logger.warn({ err }, "could not record worker"));
  });
  const runner = await run({
    pgPool: deps.pgPool,
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs,
    noHandleSignals: true,
    parsedCronItems: [],
    events,
    logger: graphileLogger(deps.logger),
    taskList: workerTaskList(deps, options),
  });
  liveness.start();
  return {
    runner,
    liveness,
    async stop() {
      await runner.stop();
      await liveness.stop();
    },
  };
}
