/**
 * Queueing generation jobs. The job is added by an SQL expression evaluated in the very statement
 * that inserts the generation (see services/insertGeneration.ts): a single statement is atomic,
 * so a generation row and its job exist together or not at all — no orphaned PENDING rows, and
 * one round trip instead of a four-statement transaction.
 */
import type { PrismaClient } from "../db.js";
import { Prisma } from "../generated/prisma/client.js";
import { DELETE_STORED_OBJECTS } from "./deleteStoredObjects.js";
import { RUN_GENERATION } from "./runGeneration.js";
import { TRACEPARENT_KEY, traceparentForJob } from "../tracing/jobSpans.js";

export const generationJobKey = (generationId: string) => `generation:${generationId}`;

export interface JobQueue {
  /** SQL expression queueing `run_generation` for the generation whose id is the expression `generationId`. */
  enqueueGenerationSql(generationId: Prisma.Sql): Prisma.Sql;
  /** Removes a generation's queued job (a running one is left to stop on its own). */
  removeGenerationJob(prisma: PrismaClient, generationId: string): Promise<void>;
  /**
   * Queues deletion of storage objects held by `provider` (in `db`, e.g. the transaction that
   * deletes their rows).
   */
  enqueueObjectDeletion(db: Prisma.TransactionClient, keys: string[], provider: string): Promise<void>;
}

/** Object deletions retry for about a day (graphile-worker's backoff caps at ~6 h per attempt). */
const DELETION_ATTEMPTS = 10;
const DELETION_BATCH = 500;

export function createJobQueue(options: { maxAttempts: number }): JobQueue {
  return {
    enqueueGenerationSql(generationId) {
      // The enqueuing request's trace context, so the worker's spans join its trace.
      const traceparent = traceparentForJob();
      const traceField = traceparent ? Prisma.sql`, ${TRACEPARENT_KEY}::text, ${traceparent}::text` : Prisma.empty;
      return Prisma.sql`(SELECT j.id FROM graphile_worker.add_job(
          ${RUN_GENERATION},
          json_build_object('generationId', (${generationId})::text${traceField}),
          max_attempts => ${options.maxAttempts}::int,
          job_key => 'generation:' || (${generationId})::text) AS j)`;
    },
    async removeGenerationJob(prisma, generationId) {
      await prisma.$queryRaw(Prisma.sql`SELECT id FROM graphile_worker.remove_job(${generationJobKey(generationId)})`);
    },
    async enqueueObjectDeletion(db, keys, provider) {
      for (let i = 0; i < keys.length; i += DELETION_BATCH) {
        const payload = JSON.stringify({ keys: keys.slice(i, i + DELETION_BATCH), provider });
        await db.$queryRaw(Prisma.sql`
          SELECT id FROM graphile_worker.add_job(${DELETE_STORED_OBJECTS}, ${payload}::json, max_attempts => ${DELETION_ATTEMPTS}::int)`);
      }
    },
  };
}
