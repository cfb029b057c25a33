/**
 * Pure decisions of a parked generation's provider poll: when to look again, what a provider
 * error means for the generation, and what progress to show when the provider reports none.
 * Kept free of I/O so the poll task stays small and these rules are tested on their own.
 */
import { ProviderError, type ProviderStatus } from "../providers/ProviderAdapter.js";

/** First delay between polls; it doubles up to {@link MAX_POLL_DELAY_MS}. */
export const FIRST_POLL_DELAY_MS = 2_000;
export const MAX_POLL_DELAY_MS = 60_000;
/** Transient errors (429, 5xx, network) tolerated in a row before the generation fails. */
export const MAX_TRANSIENT_FAILURES = 5;

/** Delay before poll number `pollCount` (0-based): 2 s, 4 s, 8 s, … capped at 60 s. */
export function pollDelayMs(pollCount: number): number {
  const n = Math.max(0, Math.floor(pollCount));
  return Math.min(MAX_POLL_DELAY_MS, FIRST_POLL_DELAY_MS * 2 ** Math.min(n, 16));
}

/** The first look after parking, and the longest gap, when webhooks report the outcome. */
export const WEBHOOK_BACKUP_POLL_MS = 30_000;

/**
 * Delay before the next look at a parked job that has been at its provider for `elapsedMs`.
 * Polling only: a quarter of the time so far (2 s to 60 s), so a job is seen at most about 25 %
 * after it finished while a long one costs few status calls. With webhooks the poll is only a
 * safety net for a lost delivery: every 30 s, then every 60 s.
 */
export function parkedPollDelayMs(elapsedMs: number, webhooks: boolean): number {
  const elapsed = Math.max(0, elapsedMs);
  if (webhooks) return elapsed < WEBHOOK_BACKUP_POLL_MS ? WEBHOOK_BACKUP_POLL_MS : MAX_POLL_DELAY_MS;
  return Math.min(MAX_POLL_DELAY_MS, Math.max(FIRST_POLL_DELAY_MS, Math.round(elapsed / 4)));
}

/** What the worker does about a provider error. */
export type ErrorAction = { action: "retry"; delayMs: number } | { action: "fail"; message: string };

/**
 * Maps a provider error to the worker's action. Transient errors are retried (honouring the
 * provider's Retry-After) until `transientFailures` reaches {@link MAX_TRANSIENT_FAILURES}; every
 * other kind fails at once with a message that names what happened and never a key.
 */
export function actOnProviderError(error: unknown, provider: string, transientFailures: number): ErrorAction {
  if (!(error instanceof ProviderError)) {
    const message = error instanceof Error ? error.message : String(error);
    return retryOrFail(`${provider}: ${message}`, undefined, transientFailures);
  }
  switch (error.kind) {
    case "transient":
      return retryOrFail(error.message, error.retryAfterMs, transientFailures);
    case "content_policy":
      return { action: "fail", message: withWords(error.message, "content policy", provider) };
    case "insufficient_credits":
      return { action: "fail", message: withWords(error.message, "insufficient credits", provider) };
    case "auth":
      return { action: "fail", message: withWords(error.message, "refused the API key", provider) };
    case "not_found":
      return { action: "fail", message: `${provider} does not know this job any more: ${error.message}` };
    case "validation":
      return { action: "fail", message: error.message || `${provider} refused the request` };
  }
}

function retryOrFail(message: string, retryAfterMs: number | undefined, transientFailures: number): ErrorAction {
  if (transientFailures + 1 >= MAX_TRANSIENT_FAILURES) {
    return { action: "fail", message: `Gave up after ${MAX_TRANSIENT_FAILURES} failed attempts: ${message}` };
  }
  return { action: "retry", delayMs: Math.min(MAX_POLL_DELAY_MS, Math.max(retryAfterMs ?? 0, pollDelayMs(transientFailures))) };
}

function withWords(message: string, words: string, provider: string): string {
  return message.toLowerCase().includes(words) ? message : `${provider}: ${words}: ${message}`;
}

/**
 * Progress to publish for a queued or running job: the provider's percentage when it gives one,
 * else a creep that approaches 90 % over the generator's max wait; never below `current`, never
 * 100 (reserved for completion).
 */
export function parkedProgress(status: ProviderStatus, current: number, elapsedMs: number, maxWaitMs: number): number {
  let value: number;
  if (status.state === "running" && typeof status.progress === "number" && Number.isFinite(status.progress)) {
    value = status.progress;
  } else {
    const fraction = maxWaitMs > 0 ? Math.min(1, elapsedMs / maxWaitMs) : 0;
    const ceiling = status.state === "queued" ? 10 : 90;
    value = ceiling * (1 - Math.exp(-4 * fraction));
  }
  return Math.max(current, Math.min(99, Math.round(value * 10) / 10));
}

/** Message for a queued/running poll: queue position or the provider's last log line. */
export function parkedMessage(status: ProviderStatus, provider: string): string {
  if (status.state === "queued") {
    return status.queuePosition !== undefined ? `Queued at ${provider} (position ${status.queuePosition})` : `Queued at ${provider}`;
  }
  const last = status.state === "running" ? status.logs?.at(-1) : undefined;
  return last ? last.slice(0, 500) : `Running at ${provider}`;
}
