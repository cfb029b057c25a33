/**
 * Settings of the adapters for external identity providers (oidc, auth0, clerk, supabase),
 * resolved as Boards resolves them: a key of BOARDS_AUTH_CONFIG first, else its environment
 * fallback. env.ts calls this with the raw variables (it stays the only reader of process.env)
 * and reports the problems together with every other configuration problem.
 */
import { endpointUrlProblem } from "../lib/secureUrl.js";

export type OidcSettings = { provider: "oidc"; issuer: string; audience: string; jwksUrl: string | undefined };
export type Auth0Settings = { provider: "auth0"; domain: string; audience: string; issuer: string; jwksUrl: string };
export type ClerkSettings = {
  provider: "clerk";
  jwksUrl: string;
  issuer: string | undefined;
  audience: string | undefined;
  authorizedParties: string[];
  secretKey: string | undefined;
};
export type SupabaseSettings = {
  provider: "supabase";
  url: string;
  issuer: string;
  audience: string;
  jwksUrl: string;
  jwtSecret: string | undefined;
};

export type ExternalAuthSettings = OidcSettings | Auth0Settings | ClerkSettings | SupabaseSettings;

export const CLERK_DEFAULT_JWKS_URL = "https://api.clerk.dev/v1/jwks";

/** Hosts of Clerk's Backend API, whose JWKS endpoint requires the instance's secret key. */
export const CLERK_BACKEND_API_HOSTS = new Set(["api.clerk.dev", "api.clerk.com"]);

type Resolved = { settings: ExternalAuthSettings | undefined; problems: string[] };

/**
 * Resolves the settings of `provider` from its BOARDS_AUTH_CONFIG keys and environment
 * fallbacks. Returns no settings for `none` and `jwt` (they read their config themselves).
 */
export function resolveExternalAuth(provider: string, config: Record<string, unknown>, raw: Record<string, string>): Resolved {
  const problems: string[] = [];
  const invalid = new Set<string>();
  /** A config key (must be a non-empty string when present), else the environment variable. */
  const pick = (key: string, envName?: string): string | undefined => {
    const value = config[key];
    if (value !== undefined && value !== null) {
      if (typeof value === "string" && value.trim() !== "") return value.trim();
      problems.push(`BOARDS_AUTH_CONFIG: ${key} must be a non-empty string`);
      invalid.add(key);
      return undefined;
    }
    return envName ? raw[envName]?.trim() || undefined : undefined;
  };
  const required = (key: string, envName: string, label: string): string => {
    const value = pick(key, envName);
    if (value === undefined && !invalid.has(key)) problems.push(`${envName}: required by the ${label} auth provider (or ${key} in BOARDS_AUTH_CONFIG)`);
    return value ?? "";
  };
  /** `label` is "VARIABLE:" or "BOARDS_AUTH_CONFIG: key". */
  const endpoint = (label: string, value: string | undefined) => {
    const problem = value === undefined || value === "" ? null : endpointUrlProblem(value);
    if (problem) problems.push(`${label} ${problem}`);
  };

  switch (provider) {
    case "oidc": {
      const issuer = required("issuer", "OIDC_ISSUER", "oidc");
      const clientId = pick("client_id", "OIDC_CLIENT_ID");
      const audience = pick("audience", "OIDC_AUDIENCE") ?? clientId;
      if (!audience) problems.push("OIDC_CLIENT_ID: required by the oidc auth provider (or client_id / audience in BOARDS_AUTH_CONFIG)");
      const jwksUrl = pick("jwks_url", "OIDC_JWKS_URL");
      endpoint("OIDC_ISSUER:", issuer);
      endpoint("OIDC_JWKS_URL:", jwksUrl);
      return { settings: { provider, issuer, audience: audience ?? "", jwksUrl }, problems };
    }
    case "auth0": {
      const domain = required("domain", "AUTH0_DOMAIN", "auth0")
        .replace(/^https:\/\//i, "")
        .replace(/\/+$/, "");
      if (domain && !/^[a-z0-9.-]+(?::\d+)?$/i.test(domain)) problems.push("AUTH0_DOMAIN: must be a host name such as my-app.us.auth0.com");
      const audience = required("audience", "AUTH0_AUDIENCE", "auth0");
      const issuer = pick("issuer") ?? `https://${domain}/`;
      const jwksOverride = pick("jwks_url");
      endpoint("BOARDS_AUTH_CONFIG: jwks_url", jwksOverride);
      const jwksUrl = jwksOverride ?? `https://${domain}/.well-known/jwks.json`;
      return { settings: { provider, domain, audience, issuer, jwksUrl }, problems };
    }
    case "clerk": {
      const jwksUrl = pick("jwks_url") ?? CLERK_DEFAULT_JWKS_URL;
      const secretKey = pick("secret_key", "CLERK_SECRET_KEY");
      const issuer = pick("issuer");
      const audience = pick("audience");
      const parties = config.authorized_parties;
      let authorizedParties: string[] = [];
      if (parties !== undefined && parties !== null) {
        if (Array.isArray(parties) && parties.every((p): p is string => typeof p === "string" && p !== "")) authorizedParties = parties;
        else problems.push("BOARDS_AUTH_CONFIG: authorized_parties must be a list of origins");
      }
      endpoint("BOARDS_AUTH_CONFIG: jwks_url", jwksUrl);
      if (!secretKey && CLERK_BACKEND_API_HOSTS.has(safeHost(jwksUrl))) {
        problems.push(
          "CLERK_SECRET_KEY: Clerk's Backend API JWKS endpoint requires the secret key (or set jwks_url in BOARDS_AUTH_CONFIG to your Frontend API's /.well-known/jwks.json)",
        );
      }
      return { settings: { provider, jwksUrl, issuer, audience, authorizedParties, secretKey }, problems };
    }
    case "supabase": {
      const url = required("url", "BOARDS_SUPABASE_URL", "supabase").replace(/\/+$/, "");
      endpoint("BOARDS_SUPABASE_URL:", url);
      const jwtSecret = pick("jwt_secret", "BOARDS_SUPABASE_JWT_SECRET");
      const audience = pick("audience") ?? "authenticated";
      return {
        settings: { provider, url, issuer: `${url}/auth/v1`, audience, jwksUrl: `${url}/auth/v1/.well-known/jwks.json`, jwtSecret },
        problems,
      };
    }
    default:
      return { settings: undefined, problems };
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return "";
  }
}
