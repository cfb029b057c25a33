import { thumbnailKeyOf } from "./thumbnails.js";

/** Most additional files one generation keeps (see ExecutionContext.storeAdditionalFile). */
export const MAX_ADDITIONAL_FILES = 8;

/** Key of a generation's `n`th additional file: its original's key with the variant `extra-<n>`. */
export function additionalFileKeyOf(storageKey: string, n: number): string {
  return storageKey.replace(/\/original$/, `/extra-${n}`);
}

/**
 * Every object stored for a generation with this storage key: original, thumbnail, and its
 * additional files (`additionalFiles`: the row's list, or how many it has).
 */
export function storedKeysOf(storageKey: string | null, additionalFiles: unknown = 0): string[] {
  if (!storageKey) return [];
  const extra = Array.isArray(additionalFiles) ? additionalFiles.length : typeof additionalFiles === "number" ? additionalFiles : 0;
  const keys = [storageKey, thumbnailKeyOf(storageKey)];
  for (let n = 0; n < Math.min(extra, MAX_ADDITIONAL_FILES); n++) keys.push(additionalFileKeyOf(storageKey, n));
  return keys;
}
