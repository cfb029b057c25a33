/**
 * Provider settings from the environment: keys, endpoint overrides, public URL and webhook secrets.
 * BOARDS_GENERATOR_API_KEYS follows Boards: a JSON object of variable name → value whose non-empty
 * values are copied over the process environment at start-up, so they win over individual variables.
 */
import { PROVIDER_KEY_VARIABLES, type ProviderName } from "./ProviderAdapter.js";

export type ProviderSettings = {
  /** API key per provider that has one. */
  keys: Partial<Record<ProviderName, string>>;
  /** Base URL override per provider (no trailing slash). */
  endpoints: Partial<Record<ProviderName, string>>;
  /** Public origin of this server, for webhook URLs; undefined when unset. */
  publicUrl?: string;
  /** Webhook verification secrets per provider. */
  webhookSecrets: Partial<Record<ProviderName, string>>;
};

const PROVIDERS = Object.keys(PROVIDER_KEY_VARIABLES) as ProviderName[];

function parseJsonObject(name: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never echo the text: it may hold keys.
    throw new Error(`${name} must be a JSON object`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${name} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

function httpUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${name} must be an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${name} must be an http(s) URL`);
  return text.replace(/\/+$/, "");
}

/**
 * Reads provider settings from an environment record; throws a start-up error naming the variable
 * (never its value) when one is malformed.
 */
export function providerSettings(env: Record<string, string | undefined>): ProviderSettings {
  const merged: Record<string, string | undefined> = { ...env };
  if (env.BOARDS_GENERATOR_API_KEYS?.trim()) {
    for (const [variable, value] of Object.entries(parseJsonObject("BOARDS_GENERATOR_API_KEYS", env.BOARDS_GENERATOR_API_KEYS))) {
      if (typeof value !== "string") throw new Error(`BOARDS_GENERATOR_API_KEYS: ${variable} must be a string`);
      if (value) merged[variable] = value;
    }
  }
  const keys: ProviderSettings["keys"] = {};
  for (const provider of PROVIDERS) {
    const value = merged[PROVIDER_KEY_VARIABLES[provider]]?.trim();
    if (value) keys[provider] = value;
  }
  const endpoints: ProviderSettings["endpoints"] = {};
  if (env.BOARDS_PROVIDER_ENDPOINTS?.trim()) {
    for (const [provider, value] of Object.entries(parseJsonObject("BOARDS_PROVIDER_ENDPOINTS", env.BOARDS_PROVIDER_ENDPOINTS))) {
      if (!PROVIDERS.includes(provider as ProviderName)) {
        throw new Error(`BOARDS_PROVIDER_ENDPOINTS: unknown provider "${provider}" (known: ${PROVIDERS.join(", ")})`);
      }
      if (typeof value !== "string") throw new Error(`BOARDS_PROVIDER_ENDPOINTS: ${provider} must be a URL string`);
      endpoints[provider as ProviderName] = httpUrl(`BOARDS_PROVIDER_ENDPOINTS.${provider}`, value);
    }
  }
  const webhookSecrets: ProviderSettings["webhookSecrets"] = {};
  if (merged.REPLICATE_WEBHOOK_SECRET) webhookSecrets.replicate = merged.REPLICATE_WEBHOOK_SECRET;
  if (merged.KIE_WEBHOOK_HMAC_KEY) webhookSecrets.kie = merged.KIE_WEBHOOK_HMAC_KEY;
  const publicUrl = env.BOARDS_PUBLIC_URL?.trim() ? httpUrl("BOARDS_PUBLIC_URL", env.BOARDS_PUBLIC_URL.trim()) : undefined;
  return { keys, endpoints, publicUrl, webhookSecrets };
}
