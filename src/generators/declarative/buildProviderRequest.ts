import { buildArgs, test, type Scope } from "./evaluate.js";
import type { Endpoint, GeneratorDeclaration } from "./GeneratorDeclaration.js";

/** Where the request goes, resolved (a Kie Market model chosen by its conditions). */
export type ResolvedEndpoint = { provider: GeneratorDeclaration["provider"] } & Endpoint;

/** A provider request, ready for the provider's adapter to send. */
export type ProviderRequest = { endpoint: ResolvedEndpoint; body: Record<string, unknown> };

/** An input set the provider would reject for a reason Boards checks in code. */
export class InputCheckError extends Error {}

/**
 * The request a generator sends for these inputs: `body` is the provider's argument object
 * (fal `arguments`, Replicate `input`, OpenAI keyword arguments with `model`, Kie JSON body —
 * `{model, input}` for the Market API).
 * @param validatedInputs inputs after {@link validateInputs} (defaults applied, artifacts as objects)
 * @param resolvedArtifactUrls provider-reachable URLs of the artifact inputs, by field
 * @throws InputCheckError when one of the declaration's checks fails
 */
export function buildProviderRequest(
  decl: GeneratorDeclaration,
  validatedInputs: Record<string, unknown>,
  resolvedArtifactUrls: Record<string, string | string[]>,
): ProviderRequest {
  const scope: Scope = { inputs: validatedInputs, urls: resolvedArtifactUrls };
  for (const check of decl.checks ?? []) if (test(check.failIf, scope)) throw new InputCheckError(check.message);
  const args = buildArgs(decl.args, scope);
  const endpoint = decl.endpoint;
  if ("api" in endpoint && endpoint.api === "market") {
    const model = endpoint.modelWhen?.find((m) => test(m.when, scope))?.model ?? endpoint.model;
    return { endpoint: { provider: decl.provider, api: "market", model }, body: { model, input: args } };
  }
  if ("api" in endpoint && (endpoint.api === "images.generate" || endpoint.api === "audio.transcriptions")) {
    return { endpoint: { provider: decl.provider, ...endpoint }, body: { model: endpoint.model, ...args } };
  }
  return { endpoint: { provider: decl.provider, ...endpoint }, body: args };
}
