/**
 * Stored objects of rows about to be deleted in bulk (a board's or a tenant's generations):
 * their deletion is queued in the transaction that deletes the rows, one retrying job per
 * provider and batch, so neither a large delete blocks the request nor are files left behind.
 */
import type { Prisma } from "../generated/prisma/client.js";
import type { JobQueue } from "../jobs/jobQueue.js";
import { storedKeysOf } from "../storage/storedKeys.js";
import type { StorageRouter } from "../storage/StorageRouter.js";

/** The columns that locate a generation's stored objects. */
export const STORED_OBJECT_COLUMNS = { storageKey: true, storageProvider: true, additionalFiles: true } as const;

/**
 * Queues the deletion of the originals and thumbnails of `rows` (in `tx`), grouped by the
 * provider holding them (rows from before providers were recorded: the default one).
 */
export async function queueStoredObjectDeletion(
  tx: Prisma.TransactionClient,
  deps: { jobs: JobQueue; storage: StorageRouter },
  rows: Array<{ storageKey: string | null; storageProvider: string | null; additionalFiles?: unknown }>,
): Promise<void> {
  const keysByProvider = new Map<string, string[]>();
  for (const row of rows) {
    if (!row.storageKey) continue;
    const provider = row.storageProvider ?? deps.storage.defaultProvider;
    const keys = keysByProvider.get(provider) ?? [];
    keys.push(...storedKeysOf(row.storageKey, row.additionalFiles));
    keysByProvider.set(provider, keys);
  }
  for (const [provider, keys] of keysByProvider) await deps.jobs.enqueueObjectDeletion(tx, keys, provider);
}
