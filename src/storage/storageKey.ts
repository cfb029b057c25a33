/**
 * Storage keys as Boards builds them:
 *   {tenant_id}/{artifact_type}/{board_id}/{artifact_id}_{YYYYmmddHHMMSS}_{rand8}/{variant}
 * The timestamp and the 8 characters are derived from the generation (its creation time and a
 * hash of its id), not random, so a retried job writes to the same key instead of leaving
 * orphans.
 */
import { createHash } from "node:crypto";
import { InvalidStorageKeyError } from "./StorageBackend.js";

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function stamp(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

export function artifactKey(args: {
  tenantId: string;
  artifactType: string;
  boardId: string;
  generationId: string;
  createdAt: Date;
  variant?: string;
}): string {
  const suffix = createHash("sha256").update(args.generationId).digest("hex").slice(0, 8);
  const key = [
    args.tenantId,
    args.artifactType.toLowerCase(),
    args.boardId,
    `${args.generationId}_${stamp(args.createdAt)}_${suffix}`,
    args.variant ?? "original",
  ].join("/");
  return assertSafeKey(key);
}

/**
 * Names the backends keep for themselves: LocalStorage's `.meta` sidecars and its `.<uuid>.tmp`
 * files being written. No key may name one, so none is ever read, served or overwritten as an
 * object.
 */
const RESERVED = (segment: string) => segment.startsWith(".") || segment.endsWith(".meta");

/**
 * Validates a key (from our own writers or from a request path): relative, `/`-separated
 * segments of `[A-Za-z0-9._-]`, none `.` or `..`, none starting with `.` or ending in `.meta`.
 * @throws InvalidStorageKeyError otherwise.
 */
export function assertSafeKey(key: string): string {
  const segments = key.split("/");
  if (key.length === 0 || key.length > 1024 || segments.some((s) => !SEGMENT.test(s) || RESERVED(s))) {
    throw new InvalidStorageKeyError("Invalid storage key");
  }
  return key;
}
