/**
 * Hands a running job back to the queue when its worker stops (a deploy), so the stop costs
 * the job none of its attempts. graphile-worker counts an attempt when it locks a job,
 * and on a task's failure keeps that count, records `last_error` and backs off `run_at`: three
 * deploys during one long generation would fail it. Here the task, still holding the lock,
 * unlocks the job itself with the count it had before this run and `run_at` now, as
 * graphile-worker's own returnJobs does for jobs it fetched but never started.
 *
 * The task must then throw (JobHandedBack), not return: on success graphile-worker deletes the
 * job by id whoever holds it by then, while its failure update only touches a job still locked
 * by this worker pool — which, once unlocked here, it is not. No worker of this pool can have
 * locked it again meanwhile: the pool stopped taking jobs before it aborted its running ones.
 */
import type { Job } from "graphile-worker";
import type { PrismaClient } from "../db.js";
import { Prisma } from "../generated/prisma/client.js";

/** Thrown by a task that handed its job back; logged at info, not as a failed task. */
export class JobHandedBack extends Error {
  constructor() {
    super("Job handed back: the worker is stopping");
    this.name = "JobHandedBack";
  }
}

/**
 * Unlocks `job` (still locked by this worker pool) for any worker to run at once, with the
 * attempts it had before this run and its `last_error` unchanged.
 * @returns false when the job was not locked by this pool any more (e.g. released by a sweep)
 */
export async function handBackJob(prisma: PrismaClient, job: Pick<Job, "id" | "locked_by">): Promise<boolean> {
  if (!job.locked_by) return false;
  const rows = await prisma.$queryRaw<Array<{ id: string }>>(Prisma.sql`
    WITH released AS (
      UPDATE graphile_worker._private_jobs
         SET attempts = GREATEST(0, attempts - 1), locked_by = NULL, locked_at = NULL, run_at = now(), updated_at = now()
       WHERE id = ${job.id}::bigint AND locked_by = ${job.locked_by}
      RETURNING id, job_queue_id
    ), queue AS (
      UPDATE graphile_worker._private_job_queues AS q
         SET locked_by = NULL, locked_at = NULL
        FROM released WHERE q.id = released.job_queue_id AND q.locked_by = ${job.locked_by}
    )
    SELECT id::text FROM released`);
  return rows.length === 1;
}
