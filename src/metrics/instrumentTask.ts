/**
 * Wraps a graphile-worker task so every job it runs logs one line when it starts and one when
 * it ends (task, job id, generation id when there is one, attempt, duration, outcome) and is
 * counted in `boards_jobs_total` / `boards_job_duration_seconds`.
 *
 * Outcomes: `completed` (the task returned), `retried` (it threw with attempts left: graphile-
 * worker runs it again), `failed` (it threw on its last attempt, or reported a failure it
 * settled itself, e.g. a generation marked FAILED), `cancelled` (it reported a cancellation),
 * `handed_back` (the worker stopped and gave the job back without using an attempt).
 */
import type { Job, JobHelpers, Task } from "graphile-worker";
import { JobHandedBack } from "../jobs/handBackJob.js";
import type { Logger } from "../logger.js";
import { jobDuration, jobs } from "./metrics.js";

export type JobOutcome = "completed" | "failed" | "retried" | "cancelled" | "handed_back";

/** Outcomes tasks settled themselves, for jobs that return normally. */
const reported = new WeakMap<Job, "failed" | "cancelled">();

/**
 * Records that the task running `job` ended it as failed or cancelled although it returns
 * normally (a generation it marked FAILED or found cancelled).
 */
export function reportJobOutcome(job: Job, outcome: "failed" | "cancelled"): void {
  reported.set(job, outcome);
}

function generationIdOf(payload: unknown): string | undefined {
  const id = (payload as { generationId?: unknown } | null)?.generationId;
  return typeof id === "string" ? id : undefined;
}

type TaskFn = (payload: unknown, helpers: JobHelpers) => Promise<void>;

/** `run`, logged and measured as task `task`. */
export function instrumentTask(task: string, run: Task, logger: Logger): TaskFn {
  return async (payload, helpers) => {
    const { job } = helpers;
    const generationId = generationIdOf(payload);
    const fields = { task, jobId: job.id, attempt: job.attempts, maxAttempts: job.max_attempts, ...(generationId ? { generationId } : {}) };
    const started = process.hrtime.bigint();
    logger.info(fields, "job started");
    let outcome: JobOutcome = "completed";
    try {
      await run(payload, helpers);
      outcome = reported.get(job) ?? "completed";
    } catch (error) {
      outcome = error instanceof JobHandedBack ? "handed_back" : job.attempts >= job.max_attempts ? "failed" : "retried";
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      jobs.inc({ task, outcome });
      jobDuration.observe({ task, outcome }, seconds);
      // At info whatever the outcome: the task itself logs a failure's reason at warn.
      logger.info({ ...fields, outcome, durationMs: Math.round(seconds * 1e4) / 10 }, "job finished");
    }
  };
}

/** Every task of `tasks`, each wrapped by {@link instrumentTask} under its name. */
export function instrumentTasks(logger: Logger, tasks: Record<string, Task>): Record<string, TaskFn> {
  return Object.fromEntries(Object.entries(tasks).map(([name, run]) => [name, instrumentTask(name, run, logger)]));
}
