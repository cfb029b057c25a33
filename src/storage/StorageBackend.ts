/**
 * Contract of a storage backend. Artifacts are written once under a key (see storageKey.ts) and
 * read back as streams; every backend (local files now, S3-compatible stores later) implements
 * the same methods and passes the same contract tests.
 */
import type { Readable } from "node:stream";

export type StoredObject = {
  /** Bytes of the requested range (or the whole object). */
  body: Readable;
  /** Size of the whole object in bytes. */
  size: number;
  contentType: string;
  /** The inclusive byte range returned, when a range was asked for. */
  range?: { start: number; end: number };
};

export type PutOptions = { contentType: string };

export interface StorageBackend {
  /** Name recorded with each stored object (`storage_provider`), e.g. `local`. */
  readonly name: string;
  /**
   * Stores `body` under `key`, replacing any previous object (so retries are idempotent).
   * Streams are consumed without buffering them whole.
   * @returns the number of bytes stored.
   */
  put(key: string, body: Readable | Uint8Array, options: PutOptions): Promise<{ size: number }>;
  /**
   * Reads an object, or an inclusive byte range of it. Null when the key does not exist.
   * @throws RangeNotSatisfiableError when the range starts past the end.
   */
  get(key: string, range?: { start?: number; end?: number; suffix?: number }): Promise<StoredObject | null>;
  /** Deletes an object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Whether `url(key)` is reachable without credentials (else even public files get private links). */
  readonly publicUrls: boolean;
  /** Stable URL a client fetches the object from (for files anyone may read). */
  url(key: string): string;
  /** Short-lived URL that opens the object until `expiresAt` (for files of private boards). */
  privateUrl(key: string, expiresAt: Date): Promise<string>;
}

/** A byte range that does not overlap the object (HTTP 416). */
export class RangeNotSatisfiableError extends Error {
  constructor(readonly size: number) {
    super("Range not satisfiable");
  }
}

/** A key that could escape the storage root or is otherwise unusable. */
export class InvalidStorageKeyError extends Error {}
