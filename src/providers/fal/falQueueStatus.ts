import type { ProviderStatus } from "../ProviderAdapter.js";

/** Namespaces whose app ids carry one more leading segment (`workflows/owner/app/...`). */
const NAMESPACES = new Set(["workflows", "comfy"]);

/**
 * The part of an app id that fal's status, result and cancel paths use: owner and app only
 * (`fal-ai/flux-pro/v1.1-ultra` → `fal-ai/flux-pro`), the endpoint path left out.
 */
export function falRequestsBase(app: string): string {
  const parts = app.split("/").filter(Boolean);
  const take = NAMESPACES.has(parts[0] ?? "") ? 3 : 2;
  return parts.slice(0, take).join("/");
}

type FalLog = { message?: unknown };

function logLines(logs: unknown): string[] | undefined {
  if (!Array.isArray(logs)) return undefined;
  const lines = (logs as FalLog[]).map((log) => (typeof log?.message === "string" ? log.message : typeof log === "string" ? log : "")).filter(Boolean);
  return lines.length ? lines : undefined;
}

/**
 * Progress from the runner's logs: fal reports none of its own, but diffusion runners log
 * progress bars (`45%|████▌     | 9/20`); the latest such line gives the percentage.
 */
function progressFrom(lines: string[] | undefined): number | undefined {
  for (let i = (lines?.length ?? 0) - 1; i >= 0; i--) {
    const match = /(?:^|\s)(\d{1,3}(?:\.\d+)?)%\|/.exec(lines![i]!);
    if (match) return Math.min(100, Number(match[1]));
  }
  return undefined;
}

/**
 * A queued or running job as fal's status endpoint describes it (`IN_QUEUE` with its
 * `queue_position`, `IN_PROGRESS` with logs); undefined for `COMPLETED` (the result decides).
 */
export function falQueueStatus(body: unknown): ProviderStatus | undefined {
  const { status, queue_position: position, logs } = (body ?? {}) as { status?: unknown; queue_position?: unknown; logs?: unknown };
  const lines = logLines(logs);
  if (status === "IN_QUEUE") {
    const queued: ProviderStatus = { state: "queued" };
    if (typeof position === "number" && Number.isFinite(position)) queued.queuePosition = position;
    if (lines) queued.logs = lines;
    return queued;
  }
  if (status === "IN_PROGRESS") {
    const running: ProviderStatus = { state: "running" };
    const progress = progressFrom(lines);
    if (progress !== undefined) running.progress = progress;
    if (lines) running.logs = lines;
    return running;
  }
  if (status === "CANCELED" || status === "CANCELLED") return { state: "cancelled" };
  return undefined;
}
