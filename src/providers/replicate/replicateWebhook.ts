import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookRejected, type WebhookDelivery } from "../ProviderAdapter.js";

/** Replicate (Standard Webhooks) refuses deliveries older or newer than this. */
const TOLERANCE_MS = 5 * 60 * 1000;

/**
 * Checks a Standard Webhooks signature as Replicate sends it: HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` keyed with the base64 part of `whsec_…`.
 * @throws WebhookRejected when unsigned, stale or not signed with this secret
 */
export function verifyReplicateSignature(delivery: WebhookDelivery, secret: string, now: Date): string {
  const id = delivery.headers["webhook-id"];
  const timestamp = delivery.headers["webhook-timestamp"];
  const signatures = delivery.headers["webhook-signature"];
  if (!id || !timestamp || !signatures) throw new WebhookRejected("replicate webhook is not signed");
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds) || Math.abs(now.getTime() - seconds * 1000) > TOLERANCE_MS) {
    throw new WebhookRejected("replicate webhook timestamp is outside the tolerance");
  }
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(delivery.body).digest();
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    const given = Buffer.from(value, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
  }
  throw new WebhookRejected("replicate webhook signature does not match");
}
