/**
 * Task `poll_generation`: looks at a parked generation's job at its provider once, then either
 * schedules the next look (backing off from seconds to a minute) or ends the generation. It holds
 * a worker slot only for the status call and, at the end, for copying the outputs into storage.
 *
 * - queued/running: progress and the provider's queue position or last log line are published;
 *   past the generator's maximum wait the generation fails and the job is cancelled at the provider.
 * - succeeded: outputs stored, generation COMPLETED (see finishFromStatus).
 * - failed/cancelled at the provider, or a provider error no retry fixes: FAILED with its message.
 * - 429/5xx/network: polled again later, up to MAX_TRANSIENT_FAILURES in a row.
 * A generation that is no longer PROCESSING (cancelled by its user, finished by a concurrent poll)
 * is left alone, so stale and duplicate poll jobs are harmless.
 */
import type { JobHelpers } from "graphile-worker";
import { z } from "zod";
import type { Generation } from "../generated/prisma/client.js";
import { maxWaitSeconds } from "../generators/declarative/GeneratorDeclaration.js";
import type { GeneratorRegistry } from "../generators/GeneratorRegistry.js";
import { isDeclared, PermanentGeneratorError, type DeclaredGenerator } from "../generators/Generator.js";
import type { HostResolver } from "../lib/safeFetch.js";
import type { Logger } from "../logger.js";
import { reportJobOutcome } from "../metrics/instrumentTask.js";
import type { ProviderAdapter, ProviderStatus } from "../providers/ProviderAdapter.js";
import { cancelEndpoint, enqueueCancelAtProvider } from "./cancelAtProvider.js";
import { ExecutionContext, type ExecutionDeps } from "./executionContext.js";
import { finishFromStatus, isFinal } from "./finishFromStatus.js";
import { markFailed, recordProgress } from "./generationState.js";
import { schedulePoll, type PollState } from "./pollGenerationJob.js";
import { actOnProviderError, MAX_TRANSIENT_FAILURES, parkedMessage, parkedPollDelayMs, parkedProgress, pollDelayMs } from "./pollSchedule.js";
import { adapterFor, type ProviderDeps } from "./submitToProvider.js";

/** One status call may take this long before it counts as a transient failure. */
const STATUS_TIMEOUT_MS = 30_000;

const Payload = z.object({
  generationId: z.string().uuid(),
  pollCount: z.number().int().min(0).default(0),
  transientFailures: z.number().int().min(0).default(0),
});

export type PollGenerationDeps = ProviderDeps &
  ExecutionDeps & {
    generators: GeneratorRegistry;
    logger: Logger;
    /** Hosts of overridden provider origins, whose result URLs may be private addresses. */
    trustedResultHosts?: string[];
    resolveHost?: HostResolver;
  };

/** Where a result's files may be downloaded from, and how large they may be. */
export function outputDownloadOptions(deps: Pick<PollGenerationDeps, "storage" | "trustedResultHosts" | "resolveHost">) {
  return { maxBytes: deps.storage.maxFileSize, trustedHosts: deps.trustedResultHosts ?? [], lookup: deps.resolveHost };
}

function describe(minutes: number): string {
  return minutes >= 1 ? `${Math.round(minutes * 10) / 10} min` : `${Math.round(minutes * 60)} s`;
}

export function createPollGenerationTask(deps: PollGenerationDeps) {
  /** Fails the generation for good (and its batch siblings, and any stored outputs with it). */
  async function fail(row: Generation, message: string, ctx?: ExecutionContext): Promise<void> {
    if (ctx) await ctx.discard({ failed: message });
    await markFailed(deps, row.id, message);
  }

  async function stillWorking(row: Generation, generator: DeclaredGenerator, adapter: ProviderAdapter, status: ProviderStatus, state: PollState): Promise<void> {
    const provider = generator.declaration.provider;
    const limit = maxWaitSeconds(generator.declaration) * 1000;
    const elapsed = Date.now() - (row.startedAt ?? row.createdAt).getTime();
    if (elapsed >= limit) {
      const cancellable = adapter.name !== "kie";
      await markFailed(deps, row.id, `Timed out: ${provider} did not finish within ${describe(limit / 60_000)}${cancellable ? `; the job was cancelled at ${provider}` : ""}`);
      if (cancellable) await enqueueCancelAtProvider(deps.prisma, { endpoint: cancelEndpoint(generator.declaration), externalId: row.externalJobId!, generationId: row.id });
      return;
    }
    const progress = parkedProgress(status, row.progress, elapsed, limit);
    if (progress !== row.progress) await recordProgress(deps, row.id, progress, "processing", parkedMessage(status, provider));
    // Never later than the deadline, so a stuck job fails on time.
    const webhooks = Boolean(deps.publicUrl && adapter.verifyWebhook);
    const delay = Math.min(parkedPollDelayMs(elapsed, webhooks), Math.max(1_000, limit - elapsed));
    await schedulePoll(deps.prisma, row.id, { pollCount: state.pollCount + 1, transientFailures: 0 }, delay);
  }

  return async function pollGeneration(payload: unknown, helpers: JobHelpers): Promise<void> {
    const state = Payload.parse(payload);
    const row = await deps.prisma.generation.findUnique({ where: { id: state.generationId } });
    if (!row || row.status !== "PROCESSING" || !row.externalJobId) return;
    const logger = deps.logger.child({ generationId: row.id, jobId: helpers.job.id, externalJobId: row.externalJobId });

    const generator = deps.generators.get(row.generatorName);
    if (!generator || !isDeclared(generator)) {
      await fail(row, `Generator '${row.generatorName}' is no longer a provider generator here; its job cannot be followed`);
      reportJobOutcome(helpers.job, "failed");
      return;
    }
    let adapter: ProviderAdapter;
    try {
      adapter = adapterFor(deps, generator);
    } catch (error) {
      await fail(row, (error as Error).message);
      reportJobOutcome(helpers.job, "failed");
      return;
    }
    const provider = generator.declaration.provider;
    const signal = AbortSignal.any([helpers.abortSignal, AbortSignal.timeout(STATUS_TIMEOUT_MS)]);
    let status: ProviderStatus;
    try {
      status = await adapter.status(cancelEndpoint(generator.declaration), row.externalJobId, signal);
    } catch (error) {
      // A stopping worker: graphile-worker retries the job later.
      if (helpers.abortSignal.aborted) throw error;
      const action = actOnProviderError(error, provider, state.transientFailures);
      if (action.action === "retry") {
        logger.warn({ err: error }, "provider status failed; polling again later");
        await schedulePoll(deps.prisma, row.id, { ...state, transientFailures: state.transientFailures + 1 }, action.delayMs);
        return;
      }
      await fail(row, action.message);
      reportJobOutcome(helpers.job, "failed");
      return;
    }
    if (!isFinal(status)) {
      await stillWorking(row, generator, adapter, status, state);
      return;
    }

    const ctx = new ExecutionContext(deps, row, helpers.abortSignal, logger);
    try {
      if (!(await finishFromStatus(ctx, generator, status, row.inputParams as Record<string, unknown>, outputDownloadOptions(deps)))) {
        reportJobOutcome(helpers.job, "cancelled");
      }
    } catch (error) {
      if (helpers.abortSignal.aborted) {
        await ctx.cleanup();
        throw error;
      }
      if (error instanceof PermanentGeneratorError || state.transientFailures + 1 >= MAX_TRANSIENT_FAILURES) {
        logger.warn({ err: error }, "generation failed");
        const message = error instanceof PermanentGeneratorError ? error.message : `Could not store the provider's output: ${(error as Error).message}`;
        await fail(row, message.slice(0, 2000), ctx);
        reportJobOutcome(helpers.job, "failed");
        return;
      }
      logger.warn({ err: error }, "storing the provider's output failed; trying again later");
      await schedulePoll(deps.prisma, row.id, { ...state, transientFailures: state.transientFailures + 1 }, pollDelayMs(state.transientFailures));
    } finally {
      await ctx.cleanup();
    }
  };
}
