/**
 * The URLs clients get for a generation's files. Files of public boards keep their stable URLs;
 * files of private boards get short-lived links (HMAC-signed for local storage, presigned GETs
 * for S3), so a copied link stops working and the files stay with the board's readers.
 * Expiry is rounded up to five minutes so repeated reads return the same link (cacheable).
 */
import type { SharedDeps } from "../context.js";
import type { Board, Generation } from "../generated/prisma/client.js";
import { thumbnailKeyOf } from "../storage/thumbnails.js";
import { additionalFilesOf } from "./generations.js";

const ROUND_MS = 5 * 60 * 1000;

export type ArtifactUrls = { storageUrl: string | null; thumbnailUrl: string | null };

/** Expiry for links made now: at least the configured lifetime, rounded up. */
export function linkExpiry(ttlMs: number, now = Date.now()): Date {
  return new Date(Math.ceil((now + ttlMs) / ROUND_MS) * ROUND_MS);
}

/** The URLs to hand out for `generation` (whose board is `board`). */
export async function artifactUrls(
  deps: Pick<SharedDeps, "storage" | "urlTtlMs">,
  generation: Pick<Generation, "storageKey" | "storageProvider" | "storageUrl" | "thumbnailUrl">,
  board: Pick<Board, "isPublic">,
): Promise<ArtifactUrls> {
  const stored = { storageUrl: generation.storageUrl, thumbnailUrl: generation.thumbnailUrl };
  // Files we did not store (or whose provider is no longer configured) pass through as recorded.
  const backend = generation.storageProvider ? deps.storage.find(generation.storageProvider) : undefined;
  if (!backend || !generation.storageKey) return stored;
  if (board.isPublic && backend.publicUrls) return stored;
  const expiresAt = linkExpiry(deps.urlTtlMs);
  return {
    storageUrl: await backend.privateUrl(generation.storageKey, expiresAt),
    thumbnailUrl: generation.thumbnailUrl ? await backend.privateUrl(thumbnailKeyOf(generation.storageKey), expiresAt) : null,
  };
}

/**
 * A generation's additional files with the URLs to hand out: files this server stored
 * (`metadata.storage_key`) get short-lived links on private boards, like the main file.
 */
export async function additionalFileUrls(
  deps: Pick<SharedDeps, "storage" | "urlTtlMs">,
  generation: Pick<Generation, "storageProvider" | "additionalFiles">,
  board: Pick<Board, "isPublic">,
): Promise<Array<{ url: string; type: string; metadata: unknown }>> {
  const files = additionalFilesOf(generation);
  const backend = generation.storageProvider ? deps.storage.find(generation.storageProvider) : undefined;
  if (!backend || (board.isPublic && backend.publicUrls)) return files;
  const expiresAt = linkExpiry(deps.urlTtlMs);
  return Promise.all(
    files.map(async (file) => {
      const key = (file.metadata as { storage_key?: unknown }).storage_key;
      return typeof key === "string" ? { ...file, url: await backend.privateUrl(key, expiresAt) } : file;
    }),
  );
}
