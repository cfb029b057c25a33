/**
 * The one door from application code to tracing. Without BOARDS_OTEL_ENABLED nothing of
 * OpenTelemetry is loaded (this module imports its types only), and every helper here runs the
 * wrapped work directly: the default path costs one null check. startTracing.ts installs the
 * loaded API and tracer when tracing is on.
 */
import type * as OtelApi from "@opentelemetry/api";

export type LoadedTracing = { api: typeof OtelApi; tracer: OtelApi.Tracer };

export type SpanAttributes = OtelApi.Attributes;

export type SpanKindName = "internal" | "server" | "client" | "producer" | "consumer";

export type SpanOptions = {
  kind?: SpanKindName;
  attributes?: SpanAttributes;
  /** Context to start the span in instead of the current one (e.g. restored from a job payload). */
  parent?: OtelApi.Context;
};

/** What work inside a span may add to it. */
export type SpanHandle = { setAttribute(key: string, value: string | number | boolean): void };

const NO_SPAN: SpanHandle = { setAttribute: () => undefined };

let loaded: LoadedTracing | undefined;

/** Makes the helpers below record spans (called once by startTracing). */
export function installTracing(value: LoadedTracing | undefined): void {
  loaded = value;
}

/** The loaded OpenTelemetry API and tracer, or undefined when tracing is off. */
export function loadedTracing(): LoadedTracing | undefined {
  return loaded;
}

/** Whether spans are being recorded in this process. */
export function tracingActive(): boolean {
  return loaded !== undefined;
}

/** SpanKind value of the loaded API for a kind name. */
export function spanKind(api: typeof OtelApi, kind: SpanKindName = "internal"): OtelApi.SpanKind {
  const kinds = { internal: api.SpanKind.INTERNAL, server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT, producer: api.SpanKind.PRODUCER, consumer: api.SpanKind.CONSUMER };
  return kinds[kind];
}

/** Marks a span failed with the error's type (the message may carry user data, so it is left out). */
export function recordFailure(api: typeof OtelApi, span: OtelApi.Span, error: unknown): void {
  const type = error instanceof Error ? error.constructor.name : typeof error;
  span.setAttribute("error.type", type);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: type });
}

/**
 * Runs `fn` inside a span named `name` that is current for everything `fn` starts (database
 * statements, storage calls, nested spans); the span ends when `fn` settles and is marked
 * failed if it throws. Without tracing, just runs `fn`.
 */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: SpanHandle) => Promise<T> | T): Promise<T> {
  if (!loaded) return fn(NO_SPAN);
  const { api, tracer } = loaded;
  const parent = options.parent ?? api.context.active();
  return tracer.startActiveSpan(name, { kind: spanKind(api, options.kind), attributes: options.attributes ?? {} }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordFailure(api, span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The current span's context as a W3C `traceparent` value, to hand to another process. */
export function currentTraceparent(): string | undefined {
  if (!loaded) return undefined;
  const carrier: Record<string, string> = {};
  loaded.api.propagation.inject(loaded.api.context.active(), carrier);
  return carrier.traceparent;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The context a `traceparent` value stands for (the root context when it is missing or malformed). */
export function contextFromTraceparent(value: unknown): OtelApi.Context | undefined {
  if (!loaded) return undefined;
  const { api } = loaded;
  if (typeof value !== "string" || !TRACEPARENT.test(value)) return api.ROOT_CONTEXT;
  return api.propagation.extract(api.ROOT_CONTEXT, { traceparent: value });
}
