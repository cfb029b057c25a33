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

/** The graphile_worker.add_job call queuing a poll of the generation `generationId` (an SQL expression). */
export function pollJobSql(generationId: Prisma.Sql, state: PollState, delayMs: number, priority = 0): Prisma.Sql {
  return Prisma.sql`graphile_worker.add_job(
      ${POLL_GENERATION},
      json_build_object('generationId', ${generationId}::text, 'pollCount', ${state.pollCount}::int, 'transientFailures', ${state.transientFailures}::int),
      job_key => 'provider-poll:' || ${generationId}::text,
      job_key_mode => 'replace',
      priority => ${priority}::int,
      run_at => now() + (${Math.max(0, Math.round(delayMs))}::int * interval '1 millisecond'))`;
}

/**
 * Schedules the generation's next poll `delayMs` from now, replacing any poll queued for it. Run
 * from inside a poll job, graphile-worker takes the running job's key away and queues the new one.
 */
export async function schedulePoll(
  db: PrismaClient | Prisma.TransactionClient,
  generationId: string,
  state: PollState,
  delayMs: number,
  priority = 0,
): Promise<void> {
  await db.$queryRaw(Prisma.sql`SELECT id FROM ${pollJobSql(Prisma.sql`${generationId}`, state, delayMs, priority)}`);
}

/**
 * Makes the generation's provider poll run now (its provider said something changed), replacing
 * the scheduled one, ahead of queued runs and routine polls (finishing work first keeps the
 * webhook-to-completion latency low under load). A poll running at this moment keeps running;
 * graphile-worker queues the new one beside it, and the row's guarded transitions keep the two
 * from finishing it twice.
 */
export async function wakeParkedGeneration(db: PrismaClient | Prisma.TransactionClient, generationId: string): Promise<void> {
  await schedulePoll(db, generationId, { pollCount: 0, transientFailures: 0 }, 0, -1);
}
