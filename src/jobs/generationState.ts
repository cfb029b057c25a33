/**
 * The only writers of a generation's lifecycle columns. Each transition is one guarded UPDATE
 * (terminal states are never overwritten), then the new row is published. A transition that
 * finds the row already terminal (e.g. cancelled meanwhile) does nothing and returns null.
 *
 * Progress never decreases within a *run*, which here means the generation's whole life from
 * submission to its terminal state, across retried attempts and hand-backs: no transition
 * lowers it, and a new attempt starts from the row's progress (see ExecutionContext), so a
 * restarted generator's early reports leave it where it was until they pass it.
 */
import type { PrismaClient } from "../db.js";
import type { EventBus } from "../events.js";
import type { Generation, GenerationStatus, Prisma } from "../generated/prisma/client.js";
import type { Logger } from "../logger.js";
import { generationsFinished } from "../metrics/metrics.js";
import { settleReservation } from "../services/credits/creditReservations.js";

const LIVE: GenerationStatus[] = ["PENDING", "PROCESSING"];

export type StateDeps = { prisma: PrismaClient; events: EventBus; logger?: Logger };

async function transition(
  deps: StateDeps,
  id: string,
  from: GenerationStatus[],
  data: Prisma.GenerationUpdateInput,
  phase: string,
  message: string | null,
  actualCost?: number,
): Promise<Generation | null> {
  let row: Generation;
  try {
    row = await deps.prisma.generation.update({ where: { id, status: { in: from } }, data });
  } catch (error) {
    if ((error as { code?: string }).code === "P2025") return null;
    throw error;
  }
  // The guarded update succeeds once per generation, so each is counted once, where it ended.
  if (!LIVE.includes(row.status)) generationsFinished.inc({ generator: row.generatorName, status: row.status });
  if (!LIVE.includes(row.status) && row.creditsReserved !== null) {
    // Settled right after; if this process dies in between, the liveness sweep settles it.
    const change = await settleReservation(deps.prisma, row.id, actualCost).catch((err: unknown) => {
      deps.logger?.warn({ err, generationId: row.id }, "could not settle credits; the recovery sweep will");
      return null;
    });
    if (change) await deps.events.publishCreditChange(change);
  }
  await deps.events.publish(row, phase, message);
  return row;
}

/** PENDING/PROCESSING → PROCESSING; `startedAt` is set on the first run only. */
export function markProcessing(deps: StateDeps, current: Generation): Promise<Generation | null> {
  return transition(
    deps,
    current.id,
    LIVE,
    { status: "PROCESSING", startedAt: current.startedAt ?? new Date(), errorMessage: null },
    "initializing",
    "Starting generation",
  );
}

/** Records progress of a running generation. */
export function recordProgress(deps: StateDeps, id: string, progress: number, phase: string, message: string | null) {
  return transition(deps, id, ["PROCESSING"], { progress }, phase, message);
}

/** Records the provider's job id of a running generation. */
export async function recordExternalJobId(deps: StateDeps, id: string, externalJobId: string): Promise<void> {
  await deps.prisma.generation.updateMany({ where: { id, status: { in: LIVE } }, data: { externalJobId: externalJobId.slice(0, 255) } });
}

/** PROCESSING → COMPLETED with its stored artifact. */
export function markCompleted(
  deps: StateDeps,
  id: string,
  output: {
    storageUrl: string;
    thumbnailUrl: string | null;
    storageKey: string;
    storageProvider: string;
    outputMetadata: Prisma.InputJsonObject;
    additionalFiles?: Prisma.InputJsonArray;
  },
  /** What the provider says the run cost (USD), to charge instead of the estimate. */
  actualCost?: number,
) {
  return transition(
    deps,
    id,
    ["PROCESSING"],
    { status: "COMPLETED", progress: 100, completedAt: new Date(), errorMessage: null, ...output },
    "finalizing",
    "Completed",
    actualCost,
  );
}

/** PENDING/PROCESSING → FAILED. */
export function markFailed(deps: StateDeps, id: string, errorMessage: string) {
  return transition(deps, id, LIVE, { status: "FAILED", errorMessage, completedAt: new Date() }, "finalizing", errorMessage);
}

/** PENDING/PROCESSING → CANCELLED. */
export function markCancelled(deps: StateDeps, id: string) {
  return transition(
    deps,
    id,
    LIVE,
    { status: "CANCELLED", errorMessage: "Cancelled by user", completedAt: new Date() },
    "finalizing",
    "Cancelled by user",
  );
}

/** PROCESSING → PENDING after a transient failure: the job will run again. */
export function markRetrying(deps: StateDeps, id: string, message: string) {
  return transition(deps, id, ["PROCESSING"], { status: "PENDING", errorMessage: message }, "queued", message);
}

/**
 * PROCESSING → PENDING when the worker stops (a deploy): not an error, so none is recorded;
 * `startedAt` and progress stay for the next attempt to go on from.
 */
export function markRequeued(deps: StateDeps, id: string) {
  return transition(deps, id, ["PROCESSING"], { status: "PENDING", errorMessage: null }, "queued", "Worker stopped; queued to run again");
}
