/**
 * Starts tracing for a process when BOARDS_OTEL_ENABLED is on, loading the SDK only then, and
 * flushes it on shutdown. Call before anything that records spans is created.
 */
import type { Logger } from "../logger.js";
import { installTracing } from "./spans.js";

export type TracingConfig = {
  enabled: boolean;
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** One name for every process (then `boards.process` tells them apart), or per-process defaults. */
  serviceName: string | undefined;
};

export type ProcessKind = "api" | "worker";

const DEFAULT_SERVICE_NAMES: Record<ProcessKind, string> = { api: "boards-api", worker: "boards-worker" };

let stop: (() => Promise<void>) | undefined;

/**
 * Loads the OpenTelemetry SDK and installs it when `config.enabled`; otherwise does nothing.
 * @returns the service name spans are sent under, or null when tracing is off.
 */
export async function startTracing(config: TracingConfig, processKind: ProcessKind, version: string, logger: Logger): Promise<string | null> {
  if (!config.enabled || stop) return null;
  const { startProvider } = await import("./tracerProvider.js");
  const serviceName = config.serviceName ?? DEFAULT_SERVICE_NAMES[processKind];
  const started = startProvider({ endpoint: config.endpoint, serviceName, processKind, version });
  installTracing(started);
  stop = started.shutdown;
  // The origin only: a URL may carry credentials.
  logger.info({ serviceName, endpoint: new URL(config.endpoint).origin }, "tracing on");
  return serviceName;
}

/** Sends the spans still buffered and stops tracing (at shutdown; a failed export is not fatal). */
export async function shutdownTracing(logger: Logger): Promise<void> {
  if (!stop) return;
  const done = stop;
  stop = undefined;
  installTracing(undefined);
  await done().catch((err: unknown) => logger.warn({ err }, "could not flush traces"));
}
