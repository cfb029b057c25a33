/**
 * Cancelling and deleting generations. Cancellation is real: a queued job is removed, a running
 * generator is aborted (the worker listens for the CANCELLED event), and the generation stays
 * CANCELLED. Deletion removes the row, its tag links and its stored file.
 */
import { isDeclared } from "../generators/Generator.js";
import { cancelEndpoint, enqueueCancelAtProvider } from "../jobs/cancelAtProvider.js";
import { canChangeGeneration } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { conflict, forbidden, notFound } from "../errors.js";
import type { Generation } from "../generated/prisma/client.js";
import { markCancelled, type StateDeps } from "../jobs/generationState.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import { storedKeysOf } from "../storage/storedKeys.js";
import { boardForMutation, requireUser } from "./boardAccess.js";

async function generationForChange(ctx: ServiceContext, id: string, verb: string): Promise<Generation> {
  requireUser(ctx, `Authentication required to ${verb} a generation`);
  const generation = await ctx.loaders.generationById.load(id);
  if (!generation || generation.tenantId !== ctx.viewer.tenantId) throw notFound("Generation not found");
  const { access } = await boardForMutation(ctx, generation.boardId, "Generation not found");
  if (!canChangeGeneration(access, ctx.viewer, generation)) {
    throw forbidden(`Permission denied: only board owner or generation creator can ${verb}`);
  }
  return generation;
}

/**
 * Cancels a PENDING or PROCESSING generation (board owner any; editors and admins their own).
 * @throws UNAUTHENTICATED; NOT_FOUND; FORBIDDEN; CONFLICT when it has already ended.
 */
export async function cancelGeneration(ctx: ServiceContext, id: string): Promise<Generation> {
  const generation = await generationForChange(ctx, id, "cancel");
  const cancelled = await cancelLiveGeneration(ctx, generation.id);
  if (!cancelled) {
    const current = await ctx.prisma.generation.findUniqueOrThrow({ where: { id: generation.id } });
    throw conflict(
      `Cannot cancel generation with status '${current.status.toLowerCase()}'. Only pending or processing generations can be cancelled.`,
    );
  }
  await cancelAtProvider(ctx, cancelled);
  return cancelled;
}

/**
 * Queues the cancel of a declared generator's job at its provider, once it was submitted there.
 * Not in the cancel's transaction (the state transition publishes its own event); a failure to
 * queue is logged, the cancel stands, and the provider's job ends on its own.
 */
async function cancelAtProvider(ctx: ServiceContext, generation: Generation): Promise<void> {
  const generator = ctx.generators.get(generation.generatorName);
  if (!generation.externalJobId || !generator || !isDeclared(generator)) return;
  const job = { endpoint: cancelEndpoint(generator.declaration), externalId: generation.externalJobId, generationId: generation.id };
  await enqueueCancelAtProvider(ctx.prisma, job).catch((err: unknown) =>
    ctx.logger.warn({ err, generationId: generation.id }, "could not queue the cancel at the provider"),
  );
}

/**
 * Cancels a PENDING or PROCESSING generation for a caller already authorized (the API after
 * its permission check, or an operator's CLI): marks it CANCELLED, which the worker running it
 * hears and aborts on, and removes its queued job.
 * @returns the cancelled row, or null when the generation had already ended (or is gone).
 */
export async function cancelLiveGeneration(deps: StateDeps & { jobs: JobQueue }, id: string): Promise<Generation | null> {
  const cancelled = await markCancelled(deps, id);
  if (cancelled) await deps.jobs.removeGenerationJob(deps.prisma, id);
  return cancelled;
}

/**
 * Deletes a generation, its tag links and its stored artifact (same permission as cancel).
 * A running generation is cancelled first so its worker stops.
 * @throws UNAUTHENTICATED; NOT_FOUND; FORBIDDEN.
 */
export async function deleteGeneration(ctx: ServiceContext, id: string): Promise<true> {
  const generation = await generationForChange(ctx, id, "delete");
  if (generation.status === "PENDING" || generation.status === "PROCESSING") {
    await markCancelled(ctx, generation.id);
    await ctx.jobs.removeGenerationJob(ctx.prisma, generation.id);
  }
  const deleted = await ctx.prisma.generation.delete({ where: { id: generation.id } });
  // Files go at once; whatever cannot be deleted now is left to a retrying job, not forgotten.
  const failed: string[] = [];
  const backend = ctx.storage.providerOf(deleted);
  for (const key of storedKeysOf(deleted.storageKey, deleted.additionalFiles)) {
    await backend.delete(key).catch((err: unknown) => {
      ctx.logger.warn({ err, key }, "could not delete stored object; queued for retry");
      failed.push(key);
    });
  }
  if (failed.length) await ctx.jobs.enqueueObjectDeletion(ctx.prisma, failed, backend.name);
  return true;
}
