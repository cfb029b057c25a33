/**
 * Opaque keyset cursors: base64url of `{ v, s, k, id }` where `s` names the list and ordering the
 * cursor was made for, `k` holds the row's sort-key values and `id` the tiebreaker. A cursor
 * from another list or ordering is refused rather than silently misread.
 */
import { badUserInput } from "../../errors.js";
import { isUuid } from "../../lib/uuid.js";

const VERSION = 1;

export type CursorValue = string | number | boolean;

export type DecodedCursor = { values: CursorValue[]; id: string };

export function encodeCursor(signature: string, values: CursorValue[], id: string): string {
  return Buffer.from(JSON.stringify({ v: VERSION, s: signature, k: values, id })).toString("base64url");
}

/** @throws BAD_USER_INPUT naming `argument` when the cursor is malformed or made for another list. */
export function decodeCursor(cursor: string, signature: string, keyCount: number, argument: string): DecodedCursor {
  const invalid = (why: string) => badUserInput(`Invalid cursor in \`${argument}\`: ${why}`, { argument });
  let payload: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("not a cursor of this API");
  }
  if (typeof payload !== "object" || payload === null) throw invalid("not a cursor of this API");
  const { v, s, k, id } = payload as Record<string, unknown>;
  if (v !== VERSION || typeof id !== "string" || !isUuid(id) || !Array.isArray(k)) {
    throw invalid("not a cursor of this API");
  }
  if (s !== signature) throw invalid("it belongs to another list or ordering");
  if (k.length !== keyCount || !k.every((x) => ["string", "number", "boolean"].includes(typeof x))) {
    throw invalid("not a cursor of this API");
  }
  return { values: k as CursorValue[], id };
}
