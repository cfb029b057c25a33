import { thumbnailKeyOf } from "./thumbnails.js";

/** Every object stored for a generation with this storage key (original and thumbnail). */
export function storedKeysOf(storageKey: string | null): string[] {
  return storageKey ? [storageKey, thumbnailKeyOf(storageKey)] : [];
}
