/**
 * Task `cancel_at_provider`: asks the provider to stop a job whose generation the user cancelled,
 * so it stops spending credits. Best effort: a provider that no longer knows the job, or whose
 * adapter is gone (its key removed), ends the task; other failures throw and graphile-worker
 * retries a bounded number of times.
 */
import type { JobHelpers } from "graphile-worker";
import { z } from "zod";
import type { PrismaClient } from "../db.js";
import type { GeneratorDeclaration } from "../generators/declarative/GeneratorDeclaration.js";
import type { ResolvedEndpoint } from "../generators/declarative/buildProviderRequest.js";
import { Prisma } from "../generated/prisma/client.js";
import type { Logger } from "../logger.js";
import { ProviderError, type ProviderAdapters } from "../providers/ProviderAdapter.js";

export const CANCEL_AT_PROVIDER = "cancel_at_provider";

/** A cancel is worth a few tries only: the job usually ends on its own soon after. */
const CANCEL_ATTEMPTS = 5;
const CANCEL_TIMEOUT_MS = 60_000;

const Payload = z.object({
  endpoint: z.looseObject({ provider: z.enum(["fal", "replicate", "openai", "kie"]) }),
  externalId: z.string().min(1),
  generationId: z.string().optional(),
});

/** The endpoint a cancel goes to: the declaration's own (a Kie Market job is cancelled by its task id, whatever the model). */
export function cancelEndpoint(declaration: GeneratorDeclaration): ResolvedEndpoint {
  const endpoint = { ...declaration.endpoint };
  if ("modelWhen" in endpoint) delete endpoint.modelWhen;
  return { provider: declaration.provider, ...endpoint };
}

/**
 * Queues the provider-side cancel of a generation's job (in `db`'s transaction when it is one).
 */
export async function enqueueCancelAtProvider(
  db: PrismaClient | Prisma.TransactionClient,
  job: { endpoint: ResolvedEndpoint; externalId: string; generationId: string },
): Promise<void> {
  await db.$queryRaw(Prisma.sql`
    SELECT id FROM graphile_worker.add_job(${CANCEL_AT_PROVIDER}, ${JSON.stringify(job)}::json, max_attempts => ${CANCEL_ATTEMPTS}::int)`);
}

/** Builds the task for the worker's task list. */
export function createCancelAtProviderTask(deps: { providers?: ProviderAdapters; logger: Logger }) {
  return async function cancelAtProvider(payload: unknown, helpers: JobHelpers): Promise<void> {
    const { endpoint, externalId, generationId } = Payload.parse(payload);
    const adapter = deps.providers?.[endpoint.provider];
    if (!adapter) {
      deps.logger.warn({ provider: endpoint.provider, generationId }, "no adapter for the provider any more; job not cancelled there");
      return;
    }
    try {
      const signal = AbortSignal.any([helpers.abortSignal, AbortSignal.timeout(CANCEL_TIMEOUT_MS)]);
      await adapter.cancel(endpoint as ResolvedEndpoint, externalId, signal);
    } catch (error) {
      // Unknown to the provider (finished and expired): nothing left to stop.
      if (error instanceof ProviderError && error.kind === "not_found") return;
      throw error;
    }
  };
}
