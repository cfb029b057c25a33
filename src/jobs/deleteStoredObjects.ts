/**
 * Task `delete_stored_objects`: deletes storage objects whose rows are already gone (a deleted
 * board's generations, or a generation whose immediate deletion failed). The payload carries
 * the keys because nothing else remembers them any more. Deleting a missing object succeeds, so
 * re-running is harmless; a failure throws and graphile-worker retries with backoff.
 */
import type { JobHelpers } from "graphile-worker";
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { StorageBackend } from "../storage/StorageBackend.js";

export const DELETE_STORED_OBJECTS = "delete_stored_objects";

export const DeleteStoredObjectsPayload = z.object({ keys: z.array(z.string()).min(1).max(1000) });

export function createDeleteStoredObjectsTask(deps: { storage: StorageBackend; logger: Logger }) {
  return async function deleteStoredObjects(payload: unknown, helpers: JobHelpers): Promise<void> {
    const { keys } = DeleteStoredObjectsPayload.parse(payload);
    const failed: string[] = [];
    for (const key of keys) {
      await deps.storage.delete(key).catch(() => failed.push(key));
    }
    if (failed.length) {
      // Retry only what is left; the job is replaced by a smaller one on the next attempt.
      if (failed.length < keys.length) await helpers.addJob(DELETE_STORED_OBJECTS, { keys: failed }, { maxAttempts: helpers.job.max_attempts });
      else throw new Error(`Could not delete ${failed.length} stored object(s)`);
    }
  };
}
