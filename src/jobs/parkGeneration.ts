/**
 * Parks a generation at its provider: records the provider's job id and queues its first poll in
 * one transaction, so a committed external id always has a poll to follow it and a rolled-back one
 * never does. The run_generation job then ends, and no worker slot is held while the provider works.
 *
 * The crash window that remains: the provider has accepted the job but this transaction has not
 * committed. A retried run then submits again (with the generation id as idempotency key, which
 * the providers that accept one use to avoid a second job); where they do not, the first job
 * runs unobserved at the provider and is billed.
 */
import type { PrismaClient } from "../db.js";
import type { EventBus } from "../events.js";
import type { Generation } from "../generated/prisma/client.js";
import { schedulePoll } from "./pollGenerationJob.js";

/**
 * Sets `externalJobId` on a PROCESSING generation and schedules its poll `delayMs` from now.
 * Returns the updated row, or null when the generation is no longer PROCESSING (cancelled meanwhile).
 */
export async function parkGeneration(
  deps: { prisma: PrismaClient; events: EventBus },
  id: string,
  externalJobId: string,
  provider: string,
  delayMs: number,
): Promise<Generation | null> {
  const row = await deps.prisma.$transaction(async (tx) => {
    const updated = await tx.generation.updateMany({ where: { id, status: "PROCESSING" }, data: { externalJobId: externalJobId.slice(0, 255) } });
    if (updated.count === 0) return null;
    await schedulePoll(tx, id, { pollCount: 0, transientFailures: 0 }, delayMs);
    return tx.generation.findUnique({ where: { id } });
  });
  if (row) await deps.events.publish(row, "waiting", `Waiting at ${provider}`);
  return row;
}
