/** Builds one adapter per provider that has both a key and a factory. */
import type { ProviderAdapters, ProviderName } from "./ProviderAdapter.js";
import { providerFactories } from "./providerFactories.js";
import type { ProviderSettings } from "./providerSettings.js";

/**
 * Creates the adapters the settings allow: a provider without a key or without a factory gets none.
 */
export function createProviderAdapters(settings: ProviderSettings, factories = providerFactories): ProviderAdapters {
  const adapters: ProviderAdapters = {};
  for (const [provider, apiKey] of Object.entries(settings.keys) as [ProviderName, string][]) {
    const factory = factories[provider];
    if (!factory) continue;
    adapters[provider] = factory({ apiKey, baseUrl: settings.endpoints[provider], webhookSecret: settings.webhookSecrets[provider] });
  }
  return adapters;
}
