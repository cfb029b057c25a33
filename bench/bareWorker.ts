import { run, type Runner, type Task } from "graphile-worker";
import type pg from "pg";

/**
 * graphile-worker alone, as `npm run bench jobs` compares boards-server with: one no-op task
 * `bench_noop` (running `task`), 4 concurrent jobs, graphile-worker's defaults otherwise.
 */
export function runBareWorker(pgPool: pg.Pool, task: Task): Promise<Runner> {
  return run({ pgPool, concurrency: 4, noHandleSignals: true, parsedCronItems: [], pollInterval: 1000, taskList: { bench_noop: task } });
}
