/**
 * Ends a declared generator's run from its provider's final status: a success has its outputs
 * copied into storage and completes the generation (and its batch siblings); a failure or a
 * cancellation at the provider fails it with a message that says what happened.
 */
import { PermanentGeneratorError, type DeclaredGenerator } from "../generators/Generator.js";
import type { ProviderStatus } from "../providers/ProviderAdapter.js";
import type { ExecutionContext } from "./executionContext.js";
import { actOnProviderError } from "./pollSchedule.js";
import { storeProviderOutputs, type OutputDownloadOptions } from "./providerOutputs.js";

/** A status after which the provider does no more work. */
export type FinalStatus = Extract<ProviderStatus, { state: "succeeded" | "failed" | "cancelled" }>;

export function isFinal(status: ProviderStatus): status is FinalStatus {
  return status.state === "succeeded" || status.state === "failed" || status.state === "cancelled";
}

/**
 * Stores the outputs of a succeeded job and completes the generation; returns false when the
 * generation was no longer running (cancelled meanwhile; the outputs are then discarded).
 * @throws PermanentGeneratorError for a failed or cancelled job and for unusable outputs; other
 *   errors (a download that may work next time) are worth a retry
 */
export async function finishFromStatus(
  ctx: ExecutionContext,
  generator: DeclaredGenerator,
  status: FinalStatus,
  inputs: Record<string, unknown>,
  options: OutputDownloadOptions,
): Promise<boolean> {
  const provider = generator.declaration.provider;
  if (status.state === "cancelled") throw new PermanentGeneratorError(`The job was cancelled at ${provider}`);
  if (status.state === "failed") {
    // The job itself failed, so even a "transient" kind is final here; the mapping only words it.
    const action = actOnProviderError(status.error, provider, 0);
    throw new PermanentGeneratorError(action.action === "fail" ? action.message : `${provider}: ${status.error.message}`);
  }
  await storeProviderOutputs(ctx, generator, status.result, inputs, options);
  return ctx.finalize(status.costUsd);
}
