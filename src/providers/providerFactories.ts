/** Each provider's adapter factory, by name (see ProviderAdapter.ts for the contract). */
import { createFalAdapter } from "./fal/falAdapter.js";
import type { AdapterOptions, ProviderAdapter, ProviderName } from "./ProviderAdapter.js";

export const providerFactories: Partial<Record<ProviderName, (options: AdapterOptions) => ProviderAdapter>> = {
  fal: createFalAdapter,
};
