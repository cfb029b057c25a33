/**
 * The process's Prometheus registry and every instrument the code records into. One registry
 * per process: the API and a worker running inside it share it (one scrape shows both), a
 * worker process has its own. Names and labels are a contract with the operations runbook
 * (docs/operations.md): rename nothing without changing it there too. Every label value comes
 * from a bounded set (route patterns, capped operation names, configured generators and
 * providers, fixed outcomes), so no client can grow the registry without bound.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();

/** Seconds, from 5 ms to 30 s: API answers and GraphQL operations. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds, from 1 ms to 5 s: one event-bus publish (a Redis round trip). */
const PUBLISH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds, from 50 ms to 1 h: one job (a generation may run for many minutes). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const httpRequests = new Counter({
  name: "boards_http_requests_total",
  help: "HTTP requests answered, by method, route pattern and status.",
  labelNames: ["method", "route", "status"] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: "boards_http_request_duration_seconds",
  help: "Time from a request's arrival to the end of its answer (streams: until they close).",
  labelNames: ["method", "route", "status"] as const,
  buckets: REQUEST_BUCKETS,
  registers: [registry],
});

export const graphqlOperations = new Counter({
  name: "boards_graphql_operations_total",
  help: "GraphQL operations (HTTP, SSE and WebSocket), by name, type and outcome (ok, error).",
  labelNames: ["operation_name", "operation_type", "outcome"] as const,
  registers: [registry],
});

export const graphqlOperationDuration = new Histogram({
  name: "boards_graphql_operation_duration_seconds",
  help: "Time from parsing a GraphQL operation to its result (subscriptions: to their first result).",
  labelNames: ["operation_name", "operation_type"] as const,
  buckets: REQUEST_BUCKETS,
  registers: [registry],
});

export const graphqlErrors = new Counter({
  name: "boards_graphql_errors_total",
  help: "Errors in GraphQL results, by operation name and extensions.code.",
  labelNames: ["operation_name", "code"] as const,
  registers: [registry],
});

export const subscriptionsActive = new Gauge({
  name: "boards_subscriptions_active",
  help: "Live streams open now, by transport (websocket, sse, progress_stream).",
  labelNames: ["transport"] as const,
  registers: [registry],
});

export const eventBusPublishDuration = new Histogram({
  name: "boards_event_bus_publish_duration_seconds",
  help: "Time to publish one event to the event bus (every topic it goes to).",
  buckets: PUBLISH_BUCKETS,
  registers: [registry],
});

export const eventBusPublishFailures = new Counter({
  name: "boards_event_bus_publish_failures_total",
  help: "Events that could not be published (the bus unreachable); the database still has the change.",
  registers: [registry],
});

export const jobs = new Counter({
  name: "boards_jobs_total",
  help: "Jobs run by this process's worker, by task and outcome (completed, failed, retried, cancelled).",
  labelNames: ["task", "outcome"] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: "boards_job_duration_seconds",
  help: "Time one job ran in this process's worker, by task and outcome.",
  labelNames: ["task", "outcome"] as const,
  buckets: JOB_BUCKETS,
  registers: [registry],
});

export const generationsSubmitted = new Counter({
  name: "boards_generations_submitted_total",
  help: "Generations submitted (createGeneration, retryGeneration), by generator.",
  labelNames: ["generator"] as const,
  registers: [registry],
});

export const generationsFinished = new Counter({
  name: "boards_generations_finished_total",
  help: "Generations that reached a terminal status (COMPLETED, FAILED, CANCELLED), counted once by the process that recorded it.",
  labelNames: ["generator", "status"] as const,
  registers: [registry],
});

export const uploadBytes = new Counter({
  name: "boards_upload_bytes_total",
  help: "Bytes of uploaded files stored, by kind (multipart: REST upload, graphql: GraphQL file upload, url: fetched from a URL).",
  labelNames: ["kind"] as const,
  registers: [registry],
});

export const storageErrors = new Counter({
  name: "boards_storage_errors_total",
  help: "Failed storage operations, by provider and operation (put, get, delete, private_url).",
  labelNames: ["provider", "operation"] as const,
  registers: [registry],
});

export const webhooks = new Counter({
  name: "boards_webhooks_total",
  help: "Provider webhook deliveries, by provider and outcome (woken, finished, unknown_job, rejected, unverifiable, replayed, too_large, unreadable).",
  labelNames: ["provider", "outcome"] as const,
  registers: [registry],
});

let defaultsCollected = false;

/** Adds Node's standard process metrics (CPU, memory, event loop, GC) to the registry, once. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry });
}
