/** Each provider's adapter factory, by name (see ProviderAdapter.ts for the contract). */
import { createKieAdapter } from "./kie/kieAdapter.js";
import type { AdapterOptions, ProviderAdapter, ProviderName } from "./ProviderAdapter.js";

export const providerFactories: Partial<Record<ProviderName, (options: AdapterOptions) => ProviderAdapter>> = {
  kie: createKieAdapter,
};
