/**
 * Parks a generation at its provider: records the provider's job id and queues its first poll in
 * one statement, so a committed external id always has a poll to follow it and a rolled-back one
 * never does. The run_generation job then ends, and no worker slot is held while the provider works.
 *
 * The crash window that remains: the provider has accepted the job but this statement has not
 * committed. A retried run then submits again (the generation id goes along as idempotency key,
 * which none of the four providers accepts today), and the first job runs unobserved at the
 * provider and is billed.
 */
import type { PrismaClient } from "../db.js";
import type { EventBus } from "../events.js";
import { Prisma, type Generation } from "../generated/prisma/client.js";
import { pollJobSql } from "./pollGenerationJob.js";

/**
 * Sets `externalJobId` on a PROCESSING generation and schedules its first poll `delayMs` from now,
 * in one statement. Returns the parked row, or null when the generation is no longer PROCESSING
 * (cancelled meanwhile).
 */
export async function parkGeneration(
  deps: { prisma: PrismaClient; events: EventBus },
  generation: Generation,
  externalJobId: string,
  provider: string,
  delayMs: number,
): Promise<Generation | null> {
  const stored = externalJobId.slice(0, 255);
  const rows = await deps.prisma.$queryRaw<Array<{ updated_at: Date }>>(Prisma.sql`
    WITH parked AS (
      UPDATE generations SET external_job_id = ${stored}, updated_at = now()
      WHERE id = ${generation.id}::uuid AND status = 'processing'
      RETURNING id, updated_at
    ), poll AS (
      SELECT ${pollJobSql(Prisma.sql`parked.id`, { pollCount: 0, transientFailures: 0 }, delayMs)} FROM parked
    )
    SELECT parked.updated_at FROM parked, poll`);
  if (!rows[0]) return null;
  const row = { ...generation, externalJobId: stored, updatedAt: rows[0].updated_at };
  await deps.events.publish(row, "waiting", `Waiting at ${provider}`);
  return row;
}
