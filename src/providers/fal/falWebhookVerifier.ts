/**
 * fal webhook verification. fal signs each delivery with ED25519: the message is the
 * X-Fal-Webhook-Request-Id, X-Fal-Webhook-User-Id and X-Fal-Webhook-Timestamp headers and the
 * SHA-256 hex digest of the exact body, joined by newlines; X-Fal-Webhook-Signature is the
 * signature in hex. The public keys are fal's JWKS (OKP/Ed25519, `x` base64url), and a delivery
 * is genuine when ANY published key verifies it; the timestamp must be within five minutes.
 */
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { ProviderError, WebhookRejected, type ProviderStatus, type WebhookDelivery, type WebhookEvent } from "../ProviderAdapter.js";
import { falError } from "./falError.js";
import { falFetch, type FalTransport } from "./falFetch.js";

/** fal's documented tolerance between its timestamp and our clock. */
const TIMESTAMP_TOLERANCE_SECONDS = 300;
/** Keys are long-lived; a day's cache is what fal's own examples use. */
const KEY_SET_TTL_MS = 24 * 60 * 60 * 1000;
/** A failed verification may mean a new key: refetch, but not more than once a minute. */
const REFETCH_INTERVAL_MS = 60 * 1000;

type Jwk = { kty?: unknown; crv?: unknown; x?: unknown };

function importKeys(body: unknown): KeyObject[] {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new ProviderError("transient", "fal's webhook key set is malformed");
  const imported: KeyObject[] = [];
  for (const jwk of keys as Jwk[]) {
    if (jwk?.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") continue;
    try {
      imported.push(createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" }));
    } catch {
      // A key we cannot read verifies nothing; the others still may.
    }
  }
  return imported;
}

/** What a delivery's body says about the job: fal's `{status: OK|ERROR, payload, error}`. */
function statusOf(body: Record<string, unknown>): ProviderStatus | undefined {
  if (body.status === "OK") {
    // fal sends `payload: null` (with `payload_error`) when the result was not JSON: poll instead.
    return body.payload && typeof body.payload === "object" ? { state: "succeeded", result: body.payload } : undefined;
  }
  if (body.status === "ERROR") {
    // `error` reads "Invalid status code: 422"; the payload is the model's error body.
    const code = /\b([45]\d\d)\b/.exec(typeof body.error === "string" ? body.error : "")?.[1];
    return code ? { state: "failed", error: falError(Number(code), body.payload ?? body.error) } : undefined;
  }
  return undefined;
}

/**
 * A verifier for fal webhook deliveries, caching fal's key set from `jwksUrl` (a day; refetched
 * at most once a minute when no cached key verifies a delivery, for key rotation).
 * @returns verify(delivery, now): the event, or throws WebhookRejected for an unsigned,
 *   tampered, malformed or stale delivery (ProviderError "transient" when the keys cannot be had)
 */
export function falWebhookVerifier(jwksUrl: string, transport: FalTransport): (delivery: WebhookDelivery, now: Date) => Promise<WebhookEvent> {
  let cache: { keys: KeyObject[]; fetchedAt: number } | undefined;
  let inflight: Promise<KeyObject[]> | undefined;

  const fetchKeys = (): Promise<KeyObject[]> => {
    inflight ??= (async () => {
      try {
        const answer = await falFetch(transport, jwksUrl, { method: "GET", headers: { accept: "application/json" }, signal: new AbortController().signal });
        const keys = importKeys(answer.body);
        cache = { keys, fetchedAt: Date.now() };
        return keys;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  return async (delivery, now) => {
    const requestId = delivery.headers["x-fal-webhook-request-id"];
    const userId = delivery.headers["x-fal-webhook-user-id"];
    const timestamp = delivery.headers["x-fal-webhook-timestamp"];
    const signatureHex = delivery.headers["x-fal-webhook-signature"];
    if (!requestId || userId === undefined || !timestamp || !signatureHex) throw new WebhookRejected("fal webhook without its signature headers");
    if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRejected("fal webhook timestamp is malformed");
    if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) throw new WebhookRejected("fal webhook timestamp is outside the tolerance");
    if (!/^[0-9a-f]{128}$/i.test(signatureHex)) throw new WebhookRejected("fal webhook signature is malformed");

    const bodyDigest = createHash("sha256").update(delivery.body).digest("hex");
    const message = Buffer.from([requestId, userId, timestamp, bodyDigest].join("\n"), "utf8");
    const signature = Buffer.from(signatureHex, "hex");
    const verifies = (keys: KeyObject[]) => keys.some((key) => verify(null, message, key, signature));

    const fresh = cache && Date.now() - cache.fetchedAt < KEY_SET_TTL_MS;
    let keys = fresh ? cache!.keys : await fetchKeys();
    let valid = verifies(keys);
    if (!valid && cache && Date.now() - cache.fetchedAt >= REFETCH_INTERVAL_MS) {
      keys = await fetchKeys();
      valid = verifies(keys);
    }
    if (!valid) throw new WebhookRejected("fal webhook signature does not verify");

    let body: unknown;
    try {
      body = JSON.parse(delivery.body.toString("utf8"));
    } catch {
      throw new WebhookRejected("fal webhook body is not JSON");
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new WebhookRejected("fal webhook body is not an object");
    const fields = body as Record<string, unknown>;
    if (fields.request_id !== undefined && fields.request_id !== requestId) throw new WebhookRejected("fal webhook body names another request");

    // fal sends no delivery id; the signed parts identify this delivery (a resend is re-signed with a new timestamp).
    const deliveryId = createHash("sha256").update(message).digest("hex");
    const status = statusOf(fields);
    return status ? { deliveryId, externalId: requestId, status } : { deliveryId, externalId: requestId };
  };
}
