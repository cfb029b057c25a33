/** Each provider's adapter factory, by name (see ProviderAdapter.ts for the contract). */
import { createFalAdapter } from "./fal/falAdapter.js";
import { createKieAdapter } from "./kie/kieAdapter.js";
import { createOpenAIAdapter } from "./openai/openaiAdapter.js";
import type { AdapterOptions, ProviderAdapter, ProviderName } from "./ProviderAdapter.js";
import { createReplicateAdapter } from "./replicate/replicateAdapter.js";

export const providerFactories: Partial<Record<ProviderName, (options: AdapterOptions) => ProviderAdapter>> = {
  fal: createFalAdapter,
  replicate: createReplicateAdapter,
  openai: createOpenAIAdapter,
  kie: createKieAdapter,
};
