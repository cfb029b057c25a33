import type { AuthAdapter, Principal } from "./principal.js";

/**
 * Development adapter: every request, with or without a token, is the one configured user
 * (`default_user_id` in BOARDS_AUTH_CONFIG, default `dev-user`). env.ts refuses it in production.
 */
export function createNoneAdapter(config: Record<string, unknown>): AuthAdapter {
  const subject = typeof config.default_user_id === "string" && config.default_user_id ? config.default_user_id : "dev-user";
  const principal: Principal = {
    provider: "none",
    subject,
    email: "dev@example.com",
    displayName: "Development User",
    claims: { mode: "development" },
  };
  return {
    name: "none",
    acceptsMissingToken: true,
    async verify() {
      return principal;
    },
  };
}
