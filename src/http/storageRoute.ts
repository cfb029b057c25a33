/**
 * GET/HEAD /api/storage/{key}: serves stored artifacts with their content type and length,
 * single byte ranges (206/416), and `?download=true` as an attachment. Keys are validated
 * segment by segment, so no path can leave the storage directory.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { extensionFor } from "../lib/contentTypes.js";
import type { Logger } from "../logger.js";
import { InvalidStorageKeyError, RangeNotSatisfiableError, type StoredObject } from "../storage/StorageBackend.js";
import { assertSafeKey } from "../storage/storageKey.js";
import type { StorageRouter } from "../storage/StorageRouter.js";
import { sendJson } from "./respond.js";

export const STORAGE_PREFIX = "/api/storage/";

type RangeRequest = { start?: number; end?: number; suffix?: number };

/** Parses a single `bytes=` range; anything else (including several ranges) is ignored, as RFC 9110 allows. */
export function parseRange(header: string | undefined): RangeRequest | undefined {
  const match = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, from, to] = match;
  if (from === "" && to === "") return undefined;
  if (from === "") return { suffix: Number(to) };
  const start = Number(from);
  const end = to === "" ? undefined : Number(to);
  if (end !== undefined && end < start) return undefined;
  return { start, end };
}

function safeFilename(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._]+/, "").slice(0, 200) || "download";
}

function dispositionFor(key: string, contentType: string, url: URL): string {
  const download = url.searchParams.get("download") === "true";
  const requested = url.searchParams.get("filename");
  const segments = key.split("/");
  const stem = segments.length > 1 ? segments[segments.length - 2]! : segments[0]!;
  const ext = extensionFor(contentType);
  const base = requested ? safeFilename(requested) : stem;
  const name = ext && !base.toLowerCase().endsWith(ext) ? `${base}${ext}` : base;
  return `${download ? "attachment" : "inline"}; filename="${name}"`;
}

/** Whether a request may read a file: the refusal to send, or how the answer may be cached. */
export type FileDecision = { status: number; detail: string } | { cacheControl: string; vary?: string };

/** Decides whether a request may read `key`. */
export type FileAuthorizer = (req: IncomingMessage, key: string, url: URL) => Promise<FileDecision>;

/** Refusals depend on who asks and on the board's current state: no cache keeps them. */
const REFUSAL_HEADERS = { "cache-control": "no-store" };

export async function serveStorage(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { storage: StorageRouter; logger: Logger },
  authorize: FileAuthorizer,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendJson(res, 405, { detail: "Method not allowed" }, { allow: "GET, HEAD" });
  }
  const url = new URL(req.url ?? "/", "http://localhost");
  // The key comes from the path exactly as sent: URL parsing would already have resolved `..`,
  // `%2e%2e` and backslashes, hiding the attempt (and possibly yielding some other valid key).
  const rawPath = (req.url ?? "/").split("?")[0]!;
  let key: string;
  try {
    if (!rawPath.startsWith(STORAGE_PREFIX)) throw new InvalidStorageKeyError("outside storage");
    const segments = rawPath.slice(STORAGE_PREFIX.length).split("/").map(decodeURIComponent);
    if (segments.some((s) => /[/\\]/.test(s))) throw new InvalidStorageKeyError("encoded separator");
    key = assertSafeKey(segments.join("/"));
  } catch {
    return sendJson(res, 403, { detail: "Access denied" });
  }
  const decision = await authorize(req, key, url);
  if ("status" in decision) return sendJson(res, decision.status, { detail: decision.detail }, REFUSAL_HEADERS);
  const range = parseRange(req.headers.range);
  let object: StoredObject | null = null;
  try {
    // Keys are unique across providers; the key alone says nothing of which one holds it.
    for (const backend of deps.storage.providers) {
      object = await backend.get(key, range);
      if (object) break;
    }
  } catch (error) {
    if (error instanceof RangeNotSatisfiableError) {
      return sendJson(res, 416, { detail: "Range not satisfiable" }, { "content-range": `bytes */${error.size}` });
    }
    if (error instanceof InvalidStorageKeyError) return sendJson(res, 403, { detail: "Access denied" });
    throw error;
  }
  if (!object) return sendJson(res, 404, { detail: "File not found" }, REFUSAL_HEADERS);

  const length = object.range ? object.range.end - object.range.start + 1 : object.size;
  const headers: Record<string, string> = {
    "content-type": object.contentType,
    "content-length": String(length),
    "accept-ranges": "bytes",
    "cache-control": decision.cacheControl,
    "content-disposition": dispositionFor(key, object.contentType, url),
    // Stored files are data, never pages: no sniffing, no scripts even if one is opened directly.
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
  };
  // Keep the CORS layer's `Vary: Origin`; writeHead would otherwise replace it.
  if (decision.vary) headers.vary = [res.getHeader("vary"), decision.vary].filter(Boolean).join(", ");
  if (object.range) headers["content-range"] = `bytes ${object.range.start}-${object.range.end}/${object.size}`;
  res.writeHead(object.range ? 206 : 200, headers);
  if (req.method === "HEAD") {
    object.body.destroy();
    res.end();
    return;
  }
  try {
    await pipeline(object.body, res);
  } catch (err) {
    // The client went away mid-transfer; nothing to answer.
    deps.logger.debug({ err, key }, "storage response aborted");
  }
}
