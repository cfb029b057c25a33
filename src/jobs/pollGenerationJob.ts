/**
 * The job that follows a parked generation at its provider (task `poll_generation`). At most one
 * is queued per generation (job key `provider-poll:<id>`); a webhook replaces it with one that
 * runs at once.
 */
import type { PrismaClient } from "../db.js";
import { Prisma } from "../generated/prisma/client.js";

export const POLL_GENERATION = "poll_generation";

export const pollJobKey = (generationId: string) => `provider-poll:${generationId}`;

/** Where a generation's polling stands: polls so far, and transient failures in a row. */
export type PollState = { pollCount: number; transientFailures: number };

/**
 * Schedules the generation's next poll `delayMs` from now, replacing any poll queued for it. Run
 * from inside a poll job, graphile-worker takes the running job's key away and queues the new one.
 */
export async function schedulePoll(db: PrismaClient | Prisma.TransactionClient, generationId: string, state: PollState, delayMs: number): Promise<void> {
  await db.$queryRaw(Prisma.sql`
    SELECT id FROM graphile_worker.add_job(
      ${POLL_GENERATION},
      json_build_object('generationId', ${generationId}::text, 'pollCount', ${state.pollCount}::int, 'transientFailures', ${state.transientFailures}::int),
      job_key => ${pollJobKey(generationId)},
      job_key_mode => 'replace',
      run_at => now() + (${Math.max(0, Math.round(delayMs))}::int * interval '1 millisecond'))`);
}

/**
 * Makes the generation's provider poll run now (its provider said something changed), replacing
 * the scheduled one. A poll running at this moment keeps running; graphile-worker queues the new
 * one beside it, and the row's guarded transitions keep the two from finishing it twice. The
 * poll count is kept low so polling stays brisk after a wake-up.
 */
export async function wakeParkedGeneration(db: PrismaClient | Prisma.TransactionClient, generationId: string): Promise<void> {
  await schedulePoll(db, generationId, { pollCount: 0, transientFailures: 0 }, 0);
}
