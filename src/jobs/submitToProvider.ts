/**
 * The first half of a declared generator's run: its artifact inputs become URLs the provider can
 * fetch, the declaration builds the provider's request, the adapter submits it, and the generation
 * is parked (its external id and first poll written in one transaction). The run_generation job
 * then ends; `poll_generation` or a webhook picks the generation up again.
 */
import { stat } from "node:fs/promises";
import type { PrismaClient } from "../db.js";
import type { EventBus } from "../events.js";
import type { Generation } from "../generated/prisma/client.js";
import type { Artifact } from "../generators/artifacts.js";
import { artifactFields } from "../generators/declarative/artifactFields.js";
import { buildProviderRequest, InputCheckError } from "../generators/declarative/buildProviderRequest.js";
import { PermanentGeneratorError, type DeclaredGenerator, type GeneratorContext } from "../generators/Generator.js";
import { contentTypeFor } from "../lib/contentTypes.js";
import { inputUrls } from "../providers/inputUrls.js";
import { PROVIDER_KEY_VARIABLES, ProviderError, type ProviderAdapter, type ProviderAdapters, type ProviderStatus } from "../providers/ProviderAdapter.js";
import type { StorageRouter } from "../storage/StorageRouter.js";
import { cancelEndpoint, enqueueCancelAtProvider } from "./cancelAtProvider.js";
import { parkGeneration } from "./parkGeneration.js";
import { wakeParkedGeneration } from "./pollGenerationJob.js";
import { actOnProviderError, parkedPollDelayMs } from "./pollSchedule.js";

export type ProviderDeps = {
  prisma: PrismaClient;
  events: EventBus;
  storage: StorageRouter;
  providers?: ProviderAdapters;
  /** `BOARDS_PUBLIC_URL`: webhooks are requested, and local storage inputs are signed, only with it. */
  publicUrl?: string;
};

/** What a submit led to: parked at the provider, or (synchronous providers) already finished. */
export type SubmitOutcome = { kind: "parked" } | { kind: "finished"; status: ProviderStatus };

/** The generator's adapter, or a failure that names the variable to set. */
export function adapterFor(deps: Pick<ProviderDeps, "providers">, generator: DeclaredGenerator): ProviderAdapter {
  const provider = generator.declaration.provider;
  const adapter = deps.providers?.[provider];
  if (!adapter) {
    throw new PermanentGeneratorError(`Generator '${generator.name}' runs at ${provider}, which is not configured: set ${PROVIDER_KEY_VARIABLES[provider]} (or BOARDS_GENERATOR_API_KEYS)`);
  }
  return adapter;
}

/** Provider-reachable URLs of the run's artifact inputs, by field (a list for list fields). */
async function artifactUrls(
  deps: ProviderDeps,
  ctx: GeneratorContext,
  generator: DeclaredGenerator,
  adapter: ProviderAdapter,
  inputs: Record<string, unknown>,
): Promise<Record<string, string | string[]>> {
  const urls: Record<string, string | string[]> = {};
  for (const field of artifactFields(generator.declaration.inputSchema)) {
    const value = inputs[field.field];
    if (value === undefined || value === null) continue;
    const artifacts = (field.list ? value : [value]) as Artifact[];
    const resolved: string[] = [];
    for (const artifact of artifacts) {
      const row = await deps.prisma.generation.findFirst({
        where: { id: artifact.generation_id, tenantId: ctx.tenantId },
        select: { storageKey: true, storageProvider: true },
      });
      const stored = row?.storageKey ? { backend: deps.storage.providerOf(row), key: row.storageKey } : undefined;
      const localFile = async () => {
        const path = await ctx.resolveArtifact(artifact);
        const format = artifact.format || "bin";
        return { path, size: (await stat(path)).size, contentType: contentTypeFor(format), filename: `${artifact.generation_id}.${format}` };
      };
      resolved.push(await inputUrls({ stored, localFile }, adapter, deps.publicUrl, ctx.signal));
    }
    urls[field.field] = field.list ? resolved : resolved[0]!;
  }
  return urls;
}

/**
 * Submits a PROCESSING generation of a declared generator to its provider and parks it.
 * A generation that already has an external id was submitted before (the worker stopped after
 * parking it): it is not submitted again, its poll is made to run now instead.
 * @throws PermanentGeneratorError for what no retry can fix (provider not configured, inputs the
 *   declaration refuses, a provider's validation/policy/credit/auth refusal); ProviderError
 *   `transient` and other errors are left to the job's retries
 */
export async function submitToProvider(
  deps: ProviderDeps,
  ctx: GeneratorContext,
  generation: Generation,
  generator: DeclaredGenerator,
  inputs: Record<string, unknown>,
): Promise<SubmitOutcome> {
  if (generation.externalJobId) {
    await wakeParkedGeneration(deps.prisma, generation.id);
    return { kind: "parked" };
  }
  const adapter = adapterFor(deps, generator);
  const urls = await artifactUrls(deps, ctx, generator, adapter, inputs);
  let request;
  try {
    request = buildProviderRequest(generator.declaration, inputs, urls);
  } catch (error) {
    if (error instanceof InputCheckError) throw new PermanentGeneratorError(error.message);
    throw error;
  }
  const provider = generator.declaration.provider;
  const webhookUrl = deps.publicUrl ? `${deps.publicUrl.replace(/\/+$/, "")}/api/webhooks/${provider}` : undefined;
  let submitted;
  try {
    submitted = await adapter.submit(request, { signal: ctx.signal, webhookUrl, idempotencyKey: generation.id });
  } catch (error) {
    if (error instanceof ProviderError && error.kind !== "transient") {
      const action = actOnProviderError(error, provider, 0);
      if (action.action === "fail") throw new PermanentGeneratorError(action.message);
    }
    throw error;
  }
  if (submitted.immediate) return { kind: "finished", status: submitted.immediate };
  const webhooks = Boolean(webhookUrl && adapter.verifyWebhook);
  const parked = await parkGeneration(deps, generation, submitted.externalId, provider, parkedPollDelayMs(0, webhooks));
  // Cancelled while the provider took the job: stop it there too, nothing else will.
  if (!parked) await enqueueCancelAtProvider(deps.prisma, { endpoint: cancelEndpoint(generator.declaration), externalId: submitted.externalId, generationId: generation.id });
  return { kind: "parked" };
}
