/**
 * Who administers a tenant: a user whose token carries the admin role — the claim named by
 * BOARDS_ADMIN_ROLE_CLAIM (default `roles`) holding BOARDS_ADMIN_ROLE (default `admin`), as a
 * string, in a list, or as `true` — and, in the `none` development mode, the development user.
 * Tenant admins grant credits and see every account's ledger in their tenant; they get no other
 * power over boards (board roles decide that).
 */
import type { AuthAdapter, Principal } from "./principal.js";

export type AdminRole = { claim: string; value: string };

/** Whether the caller behind `principal` is an admin of the tenant it acts in. */
export function isTenantAdmin(principal: Principal | null, adapter: Pick<AuthAdapter, "name">, role: AdminRole | undefined): boolean {
  if (adapter.name === "none") return true;
  if (!principal || !role) return false;
  const held = principal.claims[role.claim];
  if (held === true) return true;
  if (typeof held === "string") return held.split(/[\s,]+/).includes(role.value);
  return Array.isArray(held) && held.includes(role.value);
}
