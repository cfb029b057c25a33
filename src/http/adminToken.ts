/**
 * The credential of the setup endpoints. Boards leaves /api/setup/* open; here they need
 * `Authorization: Bearer <BOARDS_ADMIN_TOKEN>`, and are disabled when no token is configured.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { SetupAdmin } from "../services/tenants.js";

export type AdminCheck = { ok: true; admin: SetupAdmin } | { ok: false; status: 401 | 403; detail: string };

const GRANTED = Object.freeze({}) as SetupAdmin;

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Checks an `Authorization` header against the configured admin token, in constant time
 * (both sides are hashed first, so neither content nor length leaks through timing).
 */
export function checkAdminToken(authorization: string | undefined, configured: string | undefined): AdminCheck {
  if (!configured) return { ok: false, status: 403, detail: "Setup endpoints are disabled: set BOARDS_ADMIN_TOKEN" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization?.trim() ?? "");
  if (!match) return { ok: false, status: 401, detail: "Admin token required" };
  if (!timingSafeEqual(digest(match[1]!), digest(configured))) return { ok: false, status: 401, detail: "Invalid admin token" };
  return { ok: true, admin: GRANTED };
}
