/**
 * How an artifact input reaches a provider: as a URL the provider can fetch itself. In order of
 * preference: a short-lived signed URL of our own storage (S3 presigned URLs always; local storage
 * only when BOARDS_PUBLIC_URL makes it reachable from outside), the provider's own file storage,
 * a data: URI for small files, else a clear failure.
 */
import { readFile } from "node:fs/promises";
import { PermanentGeneratorError } from "../generators/Generator.js";
import { STORAGE_PREFIX } from "../http/storageRoute.js";
import type { StorageBackend } from "../storage/StorageBackend.js";
import { S3Storage } from "../storage/S3Storage.js";
import type { InputFile, ProviderAdapter } from "./ProviderAdapter.js";

/** How long a signed input URL stays valid: long enough for a provider's queue, short otherwise. */
const SIGNED_INPUT_TTL_MS = 6 * 60 * 60 * 1000;

export type InputSource = {
  /** Where the artifact is stored, when it is stored here. */
  stored?: { backend: StorageBackend; key: string };
  /** Materialises the artifact as a local file (for upload or inlining). */
  localFile: () => Promise<InputFile>;
};

/**
 * A URL `adapter`'s provider can fetch for one artifact input.
 * @throws PermanentGeneratorError when no way fits (no public URL, no provider upload, too large to inline)
 */
export async function inputUrls(source: InputSource, adapter: ProviderAdapter, publicUrl: string | undefined, signal: AbortSignal): Promise<string> {
  const expiresAt = new Date(Date.now() + SIGNED_INPUT_TTL_MS);
  if (source.stored?.backend instanceof S3Storage) return source.stored.backend.privateUrl(source.stored.key, expiresAt);
  if (source.stored && publicUrl) {
    // Local storage signs a URL under its own URL base, which is often internal (its default is
    // localhost). This API serves those files at STORAGE_PREFIX and the signature covers the key
    // and expiry, not the host, so the same file and signature are put on the public URL.
    const signed = new URL(await source.stored.backend.privateUrl(source.stored.key, expiresAt), "http://base.invalid");
    const path = source.stored.key.split("/").map(encodeURIComponent).join("/");
    return `${publicUrl.replace(/\/+$/, "")}${STORAGE_PREFIX}${path}${signed.search}`;
  }
  const file = await source.localFile();
  if (adapter.uploadFile) return adapter.uploadFile(file, signal);
  if (file.size <= adapter.maxDataUriBytes) {
    const bytes = await readFile(file.path);
    return `data:${file.contentType};base64,${bytes.toString("base64")}`;
  }
  throw new PermanentGeneratorError(
    `Input '${file.filename}' (${file.size} bytes) cannot reach ${adapter.name}: set BOARDS_PUBLIC_URL so the provider can fetch it, or use a smaller file (at most ${adapter.maxDataUriBytes} bytes are sent inline)`,
  );
}
