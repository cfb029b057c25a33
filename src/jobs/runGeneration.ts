/**
 * Task `run_generation`: runs one generation. The payload carries only the generation id; the
 * row is re-read, so stale or duplicated jobs are harmless (a terminal generation is skipped).
 *
 * Retry policy: a PermanentGeneratorError or invalid input fails the generation at once; any
 * other error puts it back to PENDING and rethrows, so graphile-worker retries it with
 * exponential backoff (≈2.7 s, 7.4 s, 20 s, …) until the job's max_attempts, after which the
 * generation fails. Cancellation aborts the generator through its AbortSignal. A worker that
 * stops (a deploy) aborts it too, then hands the job back without using an attempt (see
 * handBackJob.ts) and logs that at info: no number of deploys fails a generation.
 *
 * A declared (provider) generator's run only submits: the generation is parked at its provider
 * and the job ends (see submitToProvider.ts); `poll_generation` finishes it. Only a synchronous
 * provider's answer is stored within this job.
 */
import type { JobHelpers } from "graphile-worker";
import { z } from "zod";
import type { PrismaClient } from "../db.js";
import { TERMINAL_STATUSES, type EventBus } from "../events.js";
import type { GeneratorRegistry } from "../generators/GeneratorRegistry.js";
import { isDeclared, PermanentGeneratorError } from "../generators/Generator.js";
import type { Logger } from "../logger.js";
import { prepareGenerationInputs } from "../services/generationInputs.js";
import type { StorageRouter } from "../storage/StorageRouter.js";
import type { Thumbnailer } from "../storage/Thumbnailer.js";
import { ExecutionContext } from "./executionContext.js";
import { markFailed, markProcessing, markRequeued, markRetrying } from "./generationState.js";
import { handBackJob, JobHandedBack } from "./handBackJob.js";
import { finishFromStatus, isFinal } from "./finishFromStatus.js";
import { outputDownloadOptions } from "./pollGeneration.js";
import { submitToProvider } from "./submitToProvider.js";
import type { HostResolver } from "../lib/safeFetch.js";
import type { ProviderAdapters } from "../providers/ProviderAdapter.js";
import { reportJobOutcome } from "../metrics/instrumentTask.js";
import { withSpan } from "../tracing/spans.js";

export const RUN_GENERATION = "run_generation";

export const RunGenerationPayload = z.object({ generationId: z.string().uuid() });

export type RunGenerationDeps = {
  prisma: PrismaClient;
  events: EventBus;
  storage: StorageRouter;
  thumbnails: Thumbnailer;
  generators: GeneratorRegistry;
  logger: Logger;
  /** How often a running job re-reads its status, in case a cancel event was missed. */
  cancelCheckIntervalMs: number;
  /** Least time between two progress writes of one run (see ProgressThrottle). */
  progressIntervalMs: number;
  providers?: ProviderAdapters;
  publicUrl?: string;
  /** Hosts of overridden provider origins, whose result URLs may be private addresses. */
  trustedResultHosts?: string[];
  resolveHost?: HostResolver;
};

class CancelledByUser extends Error {
  constructor() {
    super("Cancelled by user");
  }
}

class WorkerShuttingDown extends Error {
  constructor() {
    super("Worker shutting down; the generation will be retried");
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 2000) || "Generator failed";
}

export function createRunGenerationTask(deps: RunGenerationDeps) {
  return async function runGeneration(payload: unknown, helpers: JobHelpers): Promise<void> {
    const { generationId } = RunGenerationPayload.parse(payload);
    const logger = deps.logger.child({ generationId, jobId: helpers.job.id, attempt: helpers.job.attempts });
    const row = await deps.prisma.generation.findUnique({ where: { id: generationId } });
    if (!row || TERMINAL_STATUSES.has(row.status)) return;

    const generator = deps.generators.get(row.generatorName);
    if (!generator) {
      await markFailed(deps, row.id, `Unknown generator: ${row.generatorName}`);
      reportJobOutcome(helpers.job, "failed");
      return;
    }
    const running = await markProcessing(deps, row);
    if (!running) return;

    const controller = new AbortController();
    const onShutdown = () => controller.abort(new WorkerShuttingDown());
    helpers.abortSignal.addEventListener("abort", onShutdown, { once: true });
    // A stop that came while the row was being marked would otherwise never reach this run.
    if (helpers.abortSignal.aborted) onShutdown();
    const subscription = await deps.events.subscribe("generation", row.id);
    void (async () => {
      for await (const event of subscription.events) {
        if (event.generation.status === "CANCELLED") controller.abort(new CancelledByUser());
      }
    })();
    const poll = setInterval(() => {
      void deps.prisma.generation
        .findUnique({ where: { id: row.id }, select: { status: true } })
        .then((r) => {
          if (!r || r.status === "CANCELLED") controller.abort(new CancelledByUser());
        })
        .catch(() => undefined);
    }, deps.cancelCheckIntervalMs);
    const ctx = new ExecutionContext(deps, running, controller.signal, logger);

    try {
      const prepared = await prepareGenerationInputs(generator, running.inputParams, (ids) =>
        deps.prisma.generation.findMany({ where: { id: { in: ids }, tenantId: running.tenantId } }),
      );
      if (!prepared.ok) {
        const details = prepared.fieldErrors.map((e) => `${e.field}: ${e.message}`).join("; ");
        await markFailed(deps, row.id, `Invalid input parameters: ${details}`);
        reportJobOutcome(helpers.job, "failed");
        return;
      }
      const attributes = { "boards.generator.name": generator.name, "boards.generation.id": row.id };
      if (isDeclared(generator)) {
        const outcome = await withSpan(`provider.submit ${generator.name}`, { attributes }, () => submitToProvider(deps, ctx, running, generator, prepared.value.inputs));
        if (outcome.kind === "parked") return;
        controller.signal.throwIfAborted();
        if (!isFinal(outcome.status)) throw new Error(`${generator.declaration.provider} answered without a result`);
        if (!(await finishFromStatus(ctx, generator, outcome.status, prepared.value.inputs, outputDownloadOptions(deps)))) reportJobOutcome(helpers.job, "cancelled");
        return;
      }
      await withSpan(`generator.run ${generator.name}`, { attributes }, () => generator.generate(prepared.value.inputs as never, ctx));
      controller.signal.throwIfAborted();
      if (!(await ctx.finalize())) reportJobOutcome(helpers.job, "cancelled");
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      if (reason instanceof CancelledByUser) {
        logger.info("generation cancelled");
        reportJobOutcome(helpers.job, "cancelled");
        await ctx.discard("cancelled");
        return;
      }
      if (reason instanceof WorkerShuttingDown) {
        // Nothing of this run may be written after the job is handed back: another worker
        // may already be running it.
        await ctx.cleanup();
        // Ended meanwhile (e.g. cancelled): the job has nothing left to do.
        if (!(await markRequeued(deps, row.id))) return;
        const released = await handBackJob(deps.prisma, helpers.job);
        logger.info({ released }, "job handed back: the worker is stopping");
        throw new JobHandedBack();
      }
      const message = describe(reason);
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      if (reason instanceof PermanentGeneratorError || lastAttempt) {
        logger.warn({ err: reason }, "generation failed");
        const final = lastAttempt && !(reason instanceof PermanentGeneratorError) ? `${message} (after ${helpers.job.attempts} attempts)` : message;
        await ctx.discard({ failed: final });
        await markFailed(deps, row.id, final);
        reportJobOutcome(helpers.job, "failed");
        return;
      }
      logger.warn({ err: reason }, "generation attempt failed; will retry");
      await markRetrying(deps, row.id, `Attempt ${helpers.job.attempts} failed: ${message}; retrying`);
      throw reason;
    } finally {
      clearInterval(poll);
      helpers.abortSignal.removeEventListener("abort", onShutdown);
      subscription.close();
      await ctx.cleanup();
    }
  };
}
