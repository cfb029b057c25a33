/**
 * The OpenTelemetry SDK of a process with tracing on: spans batched and sent as OTLP/HTTP JSON to
 * `<endpoint>/v1/traces`, W3C trace context, async context that follows awaits, and Prisma's own
 * spans (operations and the SQL statements it sends through the pg driver adapter). Loaded only
 * by startTracing, so nothing here is imported when tracing is off.
 */
import * as api from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, ParentBasedSampler, SamplingDecision, TracerProvider, type Sampler } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { PrismaInstrumentation } from "@prisma/instrumentation";
import type { LoadedTracing } from "./spans.js";

export type ProviderOptions = {
  endpoint: string;
  serviceName: string;
  /** `api` or `worker`, recorded as the `boards.process` resource attribute. */
  processKind: string;
  version: string;
};

export type StartedProvider = LoadedTracing & { shutdown(): Promise<void> };

/** Prisma spans left out: client-side bookkeeping with no I/O, one of each per query. */
const QUIET_PRISMA_SPANS = [/^prisma:client:serialize$/, /^prisma:client:compile$/];

/**
 * Prisma spans that would start a trace of their own are dropped: they are background work
 * (worker heartbeats, dead-worker sweeps, every few seconds) and would bury the traces of
 * requests and jobs. Statements made for a request or a job are kept, under its spans.
 */
const rootSampler: Sampler = {
  shouldSample(_context, _traceId, spanName) {
    return { decision: spanName.startsWith("prisma:") || spanName === "db.query" ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED };
  },
  toString: () => "BoardsRootSampler",
};

/** Registers the global tracer provider, propagator and context manager, and Prisma's tracing. */
export function startProvider(options: ProviderOptions): StartedProvider {
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: rootSampler }),
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.version,
      "boards.process": options.processKind,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, "")}/v1/traces` }) })],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  // Prisma reports through a global hook it reads on every query, so this works whatever was
  // imported first (unlike patching `pg`, which only sees modules loaded after it).
  const prisma = new PrismaInstrumentation({ ignoreSpanTypes: QUIET_PRISMA_SPANS });
  prisma.setTracerProvider(provider);
  prisma.enable();
  return {
    api,
    tracer: provider.getTracer("boards-server", options.version),
    async shutdown() {
      prisma.disable();
      await provider.shutdown();
    },
  };
}
