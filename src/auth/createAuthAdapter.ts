import type { Env } from "../env.js";
import { createAuth0Adapter } from "./auth0Adapter.js";
import { createClerkAdapter } from "./clerkAdapter.js";
import { createJwtAdapter } from "./jwtAdapter.js";
import { createNoneAdapter } from "./noneAdapter.js";
import { createOidcAdapter } from "./oidcAdapter.js";
import type { AuthAdapter } from "./principal.js";
import { createSupabaseAdapter } from "./supabaseAdapter.js";

/**
 * Builds the adapter named by BOARDS_AUTH_PROVIDER, once per process (so key caches live as
 * long as the process). env.ts has already checked each provider's required settings.
 */
export function createAuthAdapter(auth: Env["auth"]): AuthAdapter {
  if (auth.provider === "none") return createNoneAdapter(auth.config);
  if (auth.provider === "jwt") return createJwtAdapter(auth.config, auth.jwtSecret);
  const settings = auth.external;
  if (settings?.provider !== auth.provider) throw new Error(`auth provider ${auth.provider} has no resolved settings`);
  switch (settings.provider) {
    case "oidc":
      return createOidcAdapter(settings);
    case "auth0":
      return createAuth0Adapter(settings);
    case "clerk":
      return createClerkAdapter(settings);
    case "supabase":
      return createSupabaseAdapter(settings);
  }
}
