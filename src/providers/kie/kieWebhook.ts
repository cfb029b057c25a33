/**
 * Kie's callback signature: with a webhook HMAC key set in the Kie console, every callback carries
 * `X-Webhook-Timestamp` (Unix seconds) and `X-Webhook-Signature` =
 * base64(HMAC-SHA256(`${taskId}.${timestamp}`, key)), the task id being the one in the body
 * (`data.taskId` on the Market and Veo, `data.task_id` on Suno, a top-level `taskId` on Aleph).
 *
 * The signature covers the task id and the time, not the body, so the body's results cannot be
 * trusted: a verified callback only says which task to look at, and the status comes from Kie's
 * record API (which Kie itself calls the authoritative source).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { WebhookRejected, type WebhookDelivery, type WebhookEvent } from "../ProviderAdapter.js";

/** How far a callback's timestamp may be from our clock. */
export const KIE_WEBHOOK_TOLERANCE_MS = 5 * 60 * 1000;

function member(value: unknown, key: string): unknown {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** The task id a callback body names, wherever its API puts it. */
function taskIdOf(body: unknown): string | undefined {
  const data = member(body, "data");
  for (const candidate of [member(data, "taskId"), member(data, "task_id"), member(body, "taskId"), member(body, "task_id")]) {
    if (typeof candidate === "string" && candidate) return candidate;
  }
  return undefined;
}

/** The signature Kie sends for this task and timestamp. */
export function kieWebhookSignature(taskId: string, timestamp: string, key: string): string {
  return createHmac("sha256", key).update(`${taskId}.${timestamp}`).digest("base64");
}

/**
 * Verifies a callback and names its task.
 * @param key the webhook HMAC key; without one every callback is refused
 * @throws WebhookRejected when unsigned, signed otherwise, stale, or without a task id
 */
export function verifyKieWebhook(delivery: WebhookDelivery, now: Date, key: string | undefined): WebhookEvent {
  if (!key) throw new WebhookRejected("Kie callbacks cannot be verified without the webhook HMAC key");
  const timestamp = delivery.headers["x-webhook-timestamp"]?.trim();
  const signature = delivery.headers["x-webhook-signature"]?.trim();
  if (!timestamp || !signature) throw new WebhookRejected("Kie callback without X-Webhook-Timestamp and X-Webhook-Signature");
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRejected("Kie callback with a malformed timestamp");
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > KIE_WEBHOOK_TOLERANCE_MS) throw new WebhookRejected("Kie callback timestamp is too old or in the future");

  let body: unknown;
  try {
    body = JSON.parse(delivery.body.toString("utf8"));
  } catch {
    throw new WebhookRejected("Kie callback body is not JSON");
  }
  const taskId = taskIdOf(body);
  if (!taskId) throw new WebhookRejected("Kie callback without a task id");

  const expected = Buffer.from(kieWebhookSignature(taskId, timestamp, key));
  const received = Buffer.from(signature);
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) throw new WebhookRejected("Kie callback signature does not match");

  // Kie sends no delivery id; the signed parts identify a delivery, so a replay digests the same.
  const deliveryId = createHash("sha256").update(`kie:${taskId}.${timestamp}`).digest("hex");
  return { deliveryId, externalId: taskId };
}
