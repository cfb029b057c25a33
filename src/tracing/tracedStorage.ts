/**
 * Spans around storage I/O: `storage.put`, `storage.get` (opening a download) and
 * `storage.delete`, with the provider's name and the byte count. Keys and URLs are not recorded
 * (a private file's URL carries its signature).
 */
import type { Readable } from "node:stream";
import type { PutOptions, StorageBackend } from "../storage/StorageBackend.js";
import { tracingActive, withSpan } from "./spans.js";

/** `backend` with its I/O traced; `backend` itself when tracing is off. */
export function tracedStorage(backend: StorageBackend): StorageBackend {
  if (!tracingActive()) return backend;
  const attributes = { "boards.storage.provider": backend.name };
  return {
    name: backend.name,
    get publicUrls() {
      return backend.publicUrls;
    },
    url: (key) => backend.url(key),
    privateUrl: (key, expiresAt) => backend.privateUrl(key, expiresAt),
    put: (key: string, body: Readable | Uint8Array, options: PutOptions) =>
      withSpan("storage.put", { kind: "client", attributes: { ...attributes, "boards.storage.content_type": options.contentType } }, async (span) => {
        const result = await backend.put(key, body, options);
        span.setAttribute("boards.storage.bytes", result.size);
        return result;
      }),
    get: (key, range) =>
      withSpan("storage.get", { kind: "client", attributes }, async (span) => {
        const object = await backend.get(key, range);
        span.setAttribute("boards.storage.found", object !== null);
        if (object) span.setAttribute("boards.storage.bytes", object.range ? object.range.end - object.range.start + 1 : object.size);
        return object;
      }),
    delete: (key) => withSpan("storage.delete", { kind: "client", attributes }, () => backend.delete(key)),
  };
}
