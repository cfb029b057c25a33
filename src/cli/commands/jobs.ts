/**
 * `boards jobs …`: graphile-worker's queue through its public interface only — the
 * `graphile_worker.jobs` view and its administrative functions (`reschedule_jobs`,
 * `complete_jobs`, `remove_job` by way of the job queue), which all leave locked (running) jobs
 * alone. A `run_generation` job is cancelled by cancelling its generation, as the API does.
 */
import { RUN_GENERATION } from "../../jobs/runGeneration.js";
import { TERMINAL_STATUSES } from "../../events.js";
import { cancelLiveGeneration } from "../../services/generationControl.js";
import { CliError, usageError } from "../CliError.js";
import { openDatabase, type CliDatabase } from "../cliContext.js";
import { printJson, printTable, shorten } from "../output.js";

/** A job as the `jobs` view shows it, with the state the CLI derives. */
export type JobView = {
  id: string;
  task: string;
  queue: string | null;
  state: "running" | "failed" | "retrying" | "scheduled" | "queued";
  attempts: number;
  maxAttempts: number;
  runAt: string;
  key: string | null;
  lastError: string | null;
  lockedBy: string | null;
  createdAt: string;
};

type JobRow = {
  id: string;
  task_identifier: string;
  queue_name: string | null;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  key: string | null;
  locked_at: Date | null;
  locked_by: string | null;
  created_at: Date;
  future: boolean;
};

const COLUMNS = `id::text, task_identifier, queue_name, run_at, attempts, max_attempts, last_error, key, locked_at, locked_by,
  created_at, run_at > now() AS future`;

function view(row: JobRow): JobView {
  const state: JobView["state"] = row.locked_at
    ? "running"
    : row.attempts >= row.max_attempts
      ? "failed"
      : // A retried job keeps its last error until it runs again; with attempts reset it is queued.
        row.last_error && row.attempts > 0
        ? "retrying"
        : row.future
          ? "scheduled"
          : "queued";
  return {
    id: row.id,
    task: row.task_identifier,
    queue: row.queue_name,
    state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at.toISOString(),
    key: row.key,
    lastError: row.last_error,
    lockedBy: row.locked_by,
    createdAt: row.created_at.toISOString(),
  };
}

const TABLE = [
  { header: "id", value: (j: JobView) => j.id },
  { header: "task", value: (j: JobView) => j.task },
  { header: "state", value: (j: JobView) => j.state },
  { header: "attempts", value: (j: JobView) => `${j.attempts}/${j.maxAttempts}` },
  { header: "run at", value: (j: JobView) => j.runAt },
  { header: "key", value: (j: JobView) => j.key ?? "" },
  { header: "last error", value: (j: JobView) => shorten(j.lastError ?? "", 60) },
];

export type ListOptions = { task?: string; limit: number; json?: boolean };

async function withDatabase<T>(work: (db: CliDatabase) => Promise<T>): Promise<T> {
  const db = await openDatabase();
  try {
    return await work(db);
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") {
      throw new CliError("the job queue's schema is not installed in this database yet: run `boards migrate` (or start the API or a worker)");
    }
    throw error;
  } finally {
    await db.close();
  }
}

async function selectJobs(db: CliDatabase, where: string, options: ListOptions): Promise<JobView[]> {
  // The view is read sparingly (graphile-worker's advice): one bounded query, by id.
  const { rows } = await db.pool.query<JobRow>(
    `SELECT ${COLUMNS} FROM graphile_worker.jobs WHERE ($1::text IS NULL OR task_identifier = $1) AND ${where} ORDER BY id LIMIT $2`,
    [options.task ?? null, options.limit],
  );
  return rows.map(view);
}

function print(jobs: JobView[], options: ListOptions, empty: string): void {
  if (options.json) printJson(jobs);
  else printTable(jobs, TABLE, empty);
}

/** Prints the queue's jobs (all states), oldest first. */
export function jobsList(options: ListOptions): Promise<void> {
  return withDatabase(async (db) => print(await selectJobs(db, "true", options), options, "No jobs."));
}

/** Prints jobs whose last attempt failed: waiting to retry, or out of attempts (`failed`). */
export function jobsFailed(options: ListOptions): Promise<void> {
  return withDatabase(async (db) =>
    print(await selectJobs(db, "locked_at IS NULL AND ((last_error IS NOT NULL AND attempts > 0) OR attempts >= max_attempts)", options), options, "No failed jobs."),
  );
}

/** A job id as graphile-worker numbers them (bigint). */
export function parseJobId(text: string): string {
  if (!/^[1-9][0-9]{0,18}$/.test(text)) throw usageError(`invalid job id '${text}': expected a positive integer`);
  return text;
}

async function findJob(db: CliDatabase, id: string): Promise<JobView> {
  const { rows } = await db.pool.query<JobRow>(`SELECT ${COLUMNS} FROM graphile_worker.jobs WHERE id = $1::bigint`, [id]);
  if (!rows[0]) throw new CliError(`no job with id ${id}`);
  return view(rows[0]);
}

const GENERATION_KEY = /^generation:([0-9a-f-]{36})$/i;

/** The generation a `run_generation` job runs (its job key names it), if it is one. */
function generationOf(job: JobView): string | null {
  if (job.task !== RUN_GENERATION) return null;
  return GENERATION_KEY.exec(job.key ?? "")?.[1] ?? null;
}

/**
 * Makes a job runnable now with its attempts reset to 0, so a failed job (out of attempts
 * included) runs again from scratch. A running job is left alone; so is the job of a generation
 * that has ended, which would only find nothing to do.
 */
export function jobsRetry(idText: string, options: { json?: boolean }): Promise<void> {
  const id = parseJobId(idText);
  return withDatabase(async (db) => {
    const job = await findJob(db, id);
    if (job.state === "running") throw new CliError(`job ${id} is running (locked by ${job.lockedBy}); it cannot be retried now`);
    const generationId = generationOf(job);
    if (generationId) {
      const generation = await db.prisma.generation.findUnique({ where: { id: generationId }, select: { status: true } });
      if (!generation) throw new CliError(`job ${id} runs generation ${generationId}, which no longer exists; cancel the job instead`);
      if (TERMINAL_STATUSES.has(generation.status)) {
        throw new CliError(
          `generation ${generationId} has already ended (${generation.status.toLowerCase()}), so its job would do nothing; submit it again (the retryGeneration mutation) or cancel the job`,
        );
      }
    }
    const { rowCount } = await db.pool.query("SELECT id FROM graphile_worker.reschedule_jobs(ARRAY[$1::bigint], run_at := now(), attempts := 0)", [id]);
    // reschedule_jobs skips locked jobs: a worker took it since it was read.
    if (!rowCount) throw new CliError(`job ${id} was taken by a worker meanwhile; it cannot be retried now`);
    const updated = await findJob(db, id);
    if (options.json) printJson(updated);
    else process.stdout.write(`Job ${id} (${updated.task}) will run again now (attempts reset, ${updated.maxAttempts} allowed)\n`);
  });
}

/**
 * Removes a job from the queue. A `run_generation` job is cancelled through its generation, as
 * the API's cancelGeneration does: the generation becomes CANCELLED (a running generator is
 * aborted) and its job is removed. Other jobs can be removed only while not running.
 */
export function jobsCancel(idText: string, options: { json?: boolean }): Promise<void> {
  const id = parseJobId(idText);
  return withDatabase(async (db) => {
    const job = await findJob(db, id);
    const generationId = generationOf(job);
    let cancelledGeneration: string | null = null;
    if (generationId) {
      const cancelled = await cancelLiveGeneration(db, generationId);
      cancelledGeneration = cancelled?.id ?? null;
    }
    // Cancelling the generation removed its job (remove_job), or took a running one's retries away.
    if (!cancelledGeneration) {
      if (job.state === "running") throw new CliError(`job ${id} is running (locked by ${job.lockedBy}); it cannot be cancelled now`);
      const { rowCount } = await db.pool.query("SELECT id FROM graphile_worker.complete_jobs(ARRAY[$1::bigint])", [id]);
      if (!rowCount) throw new CliError(`job ${id} was taken by a worker meanwhile; it cannot be cancelled now`);
    }
    if (options.json) printJson({ id, task: job.task, removed: true, cancelledGeneration });
    else if (cancelledGeneration) process.stdout.write(`Cancelled generation ${cancelledGeneration}; job ${id} removed\n`);
    else process.stdout.write(`Job ${id} (${job.task}) removed\n`);
  });
}
