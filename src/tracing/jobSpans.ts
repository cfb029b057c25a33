/**
 * Trace context across the job queue. The request that queues a job stores its W3C
 * `traceparent` in the job payload; the worker runs the job in a consumer span that is a child
 * of it (`process run_generation`), so one trace runs from the HTTP request to the generator
 * and the stored files, even across processes.
 */
import type { JobHelpers, Task } from "graphile-worker";
import { contextFromTraceparent, currentTraceparent, tracingActive, withSpan } from "./spans.js";

/** Payload key holding the enqueuing request's trace context. */
export const TRACEPARENT_KEY = "traceparent";

/** The trace context to store in a job payload, or undefined when tracing is off. */
export function traceparentForJob(): string | undefined {
  return currentTraceparent();
}

function traceparentOf(payload: unknown): unknown {
  return payload && typeof payload === "object" ? (payload as Record<string, unknown>)[TRACEPARENT_KEY] : undefined;
}

/** `task` run in a consumer span continuing the payload's trace; `task` itself when tracing is off. */
export function traceJob(taskName: string, task: Task): Task {
  if (!tracingActive()) return task;
  return (payload: unknown, helpers: JobHelpers) =>
    withSpan(
      `process ${taskName}`,
      {
        kind: "consumer",
        parent: contextFromTraceparent(traceparentOf(payload)),
        attributes: {
          "messaging.system": "graphile_worker",
          "messaging.operation.type": "process",
          "messaging.destination.name": taskName,
          "messaging.message.id": helpers.job.id,
          "boards.job.attempt": helpers.job.attempts,
        },
      },
      () => task(payload, helpers),
    );
}
