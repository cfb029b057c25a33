/**
 * Counts failures of a storage backend's operations in `boards_storage_errors_total`, by the
 * provider's configured name. "Not found" is an answer, not a failure; a refused range or key
 * is the caller's mistake: neither is counted.
 */
import { InvalidStorageKeyError, RangeNotSatisfiableError, type StorageBackend } from "../storage/StorageBackend.js";
import { storageErrors } from "./metrics.js";

const OPERATIONS = { put: "put", get: "get", delete: "delete", privateUrl: "private_url" } as const;

function counted(error: unknown): boolean {
  return !(error instanceof RangeNotSatisfiableError || error instanceof InvalidStorageKeyError);
}

/** `backend`, with its failures counted (same object, its async methods wrapped). */
export function instrumentStorage<T extends StorageBackend>(backend: T): T {
  for (const [method, operation] of Object.entries(OPERATIONS) as Array<[keyof typeof OPERATIONS, string]>) {
    const original = backend[method].bind(backend) as (...args: unknown[]) => Promise<unknown>;
    const wrapped = async (...args: unknown[]) => {
      try {
        return await original(...args);
      } catch (error) {
        if (counted(error)) storageErrors.inc({ provider: backend.name, operation });
        throw error;
      }
    };
    Object.defineProperty(backend, method, { value: wrapped, configurable: true, writable: true });
  }
  return backend;
}
