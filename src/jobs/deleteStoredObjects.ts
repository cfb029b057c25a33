/**
 * Task `delete_stored_objects`: deletes storage objects whose rows are already gone (a deleted
 * board's generations, or a generation whose immediate deletion failed). The payload carries
 * the keys and their provider because nothing else remembers them any more (jobs without a
 * provider delete from every configured one). Deleting a missing object succeeds, so re-running
 * is harmless; a failure throws and graphile-worker retries with backoff.
 */
import type { JobHelpers } from "graphile-worker";
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { StorageBackend } from "../storage/StorageBackend.js";
import type { StorageRouter } from "../storage/StorageRouter.js";

export const DELETE_STORED_OBJECTS = "delete_stored_objects";

export const DeleteStoredObjectsPayload = z.object({ keys: z.array(z.string()).min(1).max(1000), provider: z.string().optional() });

export function createDeleteStoredObjectsTask(deps: { storage: StorageRouter; logger: Logger }) {
  return async function deleteStoredObjects(payload: unknown, helpers: JobHelpers): Promise<void> {
    const { keys, provider } = DeleteStoredObjectsPayload.parse(payload);
    // A provider since removed from the configuration throws, so the job retries until it is back.
    const backends: readonly StorageBackend[] = provider ? [deps.storage.provider(provider)] : deps.storage.providers;
    const failed = new Set<string>();
    for (const backend of backends) {
      for (const key of keys) await backend.delete(key).catch(() => failed.add(key));
    }
    if (failed.size) {
      // Retry only what is left; the job is replaced by a smaller one on the next attempt.
      const left = [...failed];
      if (left.length < keys.length) await helpers.addJob(DELETE_STORED_OBJECTS, { keys: left, provider }, { maxAttempts: helpers.job.max_attempts });
      else throw new Error(`Could not delete ${left.length} stored object(s)`);
    }
  };
}
