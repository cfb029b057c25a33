import type { Env } from "../env.js";
import { createJwtAdapter } from "./jwtAdapter.js";
import { createNoneAdapter } from "./noneAdapter.js";
import type { AuthAdapter } from "./principal.js";

/** Builds the adapter named by BOARDS_AUTH_PROVIDER, once per process. */
export function createAuthAdapter(auth: Env["auth"]): AuthAdapter {
  switch (auth.provider) {
    case "none":
      return createNoneAdapter(auth.config);
    case "jwt":
      return createJwtAdapter(auth.config, auth.jwtSecret);
  }
}
