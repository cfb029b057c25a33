/**
 * The job that follows a parked generation at its provider (task `poll_generation`). At most one
 * is queued per generation (job key `provider-poll:<id>`); a webhook replaces it with one that
 * runs at once.
 */
import type { PrismaClient } from "../db.js";
import { Prisma } from "../generated/prisma/client.js";

export const POLL_GENERATION = "poll_generation";

export const pollJobKey = (generationId: string) => `provider-poll:${generationId}`;

/**
 * Makes the generation's provider poll run now (its provider said something changed), replacing
 * the scheduled one. A poll running at this moment keeps running; graphile-worker queues the new
 * one beside it, and the row's guarded transitions keep the two from finishing it twice.
 */
export async function wakeParkedGeneration(db: PrismaClient | Prisma.TransactionClient, generationId: string): Promise<void> {
  await db.$queryRaw(Prisma.sql`
    SELECT id FROM graphile_worker.add_job(
      ${POLL_GENERATION},
      json_build_object('generationId', ${generationId}::text),
      job_key => ${pollJobKey(generationId)},
      job_key_mode => 'replace',
      run_at => now())`);
}
