/** Each provider's adapter factory, by name (see ProviderAdapter.ts for the contract). */
import { createOpenAIAdapter } from "./openai/openaiAdapter.js";
import { createReplicateAdapter } from "./replicate/replicateAdapter.js";
import type { AdapterOptions, ProviderAdapter, ProviderName } from "./ProviderAdapter.js";

export const providerFactories: Partial<Record<ProviderName, (options: AdapterOptions) => ProviderAdapter>> = {
  replicate: createReplicateAdapter,
  openai: createOpenAIAdapter,
};
