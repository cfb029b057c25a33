/**
 * The fal.ai adapter: its queue API (submit, status with logs, result, cancel), its storage
 * upload, and its ED25519-signed webhooks.
 *
 * It speaks HTTP directly rather than through @fal-ai/client: the client's hosts are fixed
 * (queue.fal.run, rest.fal.ai; an override needs a URL-rewriting middleware that its upload PUT
 * bypasses), it retries with its own backoff, and its ApiError drops Retry-After, which the
 * worker needs; it has no webhook verification either.
 */
import type { ResolvedEndpoint } from "../../generators/declarative/buildProviderRequest.js";
import { ProviderError, type AdapterOptions, type ProviderAdapter, type ProviderStatus } from "../ProviderAdapter.js";
import { falError } from "./falError.js";
import { falFetch, type FalTransport } from "./falFetch.js";
import { falQueueStatus, falRequestsBase } from "./falQueueStatus.js";
import { falUpload } from "./falUpload.js";
import { falWebhookVerifier } from "./falWebhookVerifier.js";

const QUEUE_ORIGIN = "https://queue.fal.run";
const REST_ORIGIN = "https://rest.fal.ai";
const JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json";

/**
 * fal documents no size limit for data: URIs in inputs, and its own client moves files to
 * storage instead of inlining them. A request body is queued, stored and sent again with the
 * webhook, so only small files (1 MiB, ~1.4 MB as base64) go inline; larger ones are uploaded.
 */
const MAX_DATA_URI_BYTES = 1024 * 1024;

function appOf(endpoint: ResolvedEndpoint): string {
  if (!("app" in endpoint) || !endpoint.app) throw new ProviderError("validation", "fal requests need an app id");
  return endpoint.app.replace(/^\/+|\/+$/g, "");
}

/** A JSON answer from fal that describes the job's failure (as opposed to a gateway's page). */
function isFalErrorBody(body: unknown): boolean {
  return !!body && typeof body === "object" && ("detail" in body || "error_type" in body || "error" in body);
}

/**
 * Creates the fal adapter. With `baseUrl`, queue, storage and key-set requests all go to that
 * origin, on fal's own paths.
 */
export function createFalAdapter(options: AdapterOptions): ProviderAdapter {
  const origin = options.baseUrl?.replace(/\/+$/, "");
  const queueOrigin = origin ?? QUEUE_ORIGIN;
  const restOrigin = origin ?? REST_ORIGIN;
  const transport: FalTransport = { fetch: options.fetch ?? globalThis.fetch, timeoutMs: options.requestTimeoutMs ?? 60_000 };
  const authorization = `Key ${options.apiKey}`;
  const jsonHeaders = { authorization, accept: "application/json" };
  const requestUrl = (endpoint: ResolvedEndpoint, externalId: string, suffix = "") =>
    `${queueOrigin}/${falRequestsBase(appOf(endpoint))}/requests/${encodeURIComponent(externalId)}${suffix}`;

  async function result(endpoint: ResolvedEndpoint, externalId: string, signal: AbortSignal): Promise<ProviderStatus> {
    const answer = await falFetch(transport, requestUrl(endpoint, externalId), {
      method: "GET",
      headers: jsonHeaders,
      signal,
      // The job's own failure comes back as the result's status (422 with fal's detail, 5xx
      // with an error_type); refused keys, rate limits, unknown ids and bare gateway errors are thrown.
      accept: (status) => status >= 400 && ![401, 403, 404, 429].includes(status),
    });
    if (answer.ok) return { state: "succeeded", result: answer.body };
    if (answer.status >= 500 && !isFalErrorBody(answer.body)) throw falError(answer.status, answer.body, answer.headers.get("retry-after"));
    return { state: "failed", error: falError(answer.status, answer.body) };
  }

  return {
    name: "fal",
    maxDataUriBytes: MAX_DATA_URI_BYTES,

    async submit(request, { signal, webhookUrl }) {
      // fal's queue takes no idempotency key: a retried submit after a lost answer queues again.
      const query = webhookUrl ? `?fal_webhook=${encodeURIComponent(webhookUrl)}` : "";
      const app = appOf(request.endpoint);
      const answer = await falFetch(transport, `${queueOrigin}/${app}${query}`, {
        method: "POST",
        headers: { ...jsonHeaders, "content-type": "application/json" },
        body: JSON.stringify(request.body),
        signal,
      }).catch((error: unknown) => {
        // At submit, 404 is an app fal does not have: a bad declaration, not a lost job.
        if (error instanceof ProviderError && error.kind === "not_found") throw new ProviderError("validation", `fal has no app ${app}`, 404);
        throw error;
      });
      const requestId = (answer.body as { request_id?: unknown } | undefined)?.request_id;
      if (typeof requestId !== "string" || !requestId) throw new ProviderError("transient", "fal's queue answer has no request_id");
      return { externalId: requestId };
    },

    async status(endpoint, externalId, signal) {
      const answer = await falFetch(transport, requestUrl(endpoint, externalId, "/status?logs=1"), { method: "GET", headers: jsonHeaders, signal });
      const pending = falQueueStatus(answer.body);
      if (pending) return pending;
      const { status, error, error_type: errorType } = (answer.body ?? {}) as { status?: unknown; error?: unknown; error_type?: unknown };
      if (status !== "COMPLETED") throw new ProviderError("transient", `fal reported an unknown status ${JSON.stringify(status)?.slice(0, 40)}`);
      if (/cancel/i.test(`${typeof errorType === "string" ? errorType : ""} ${typeof error === "string" ? error : ""}`)) return { state: "cancelled" };
      return result(endpoint, externalId, signal);
    },

    async cancel(endpoint, externalId, signal) {
      // 400 ALREADY_COMPLETED and 404 NOT_FOUND: nothing left to stop.
      await falFetch(transport, requestUrl(endpoint, externalId, "/cancel"), {
        method: "PUT",
        headers: jsonHeaders,
        signal,
        accept: (status) => status === 400 || status === 404,
      });
    },

    uploadFile(file, signal) {
      return falUpload(transport, restOrigin, authorization, file, signal);
    },

    verifyWebhook: falWebhookVerifier(origin ? `${origin}/.well-known/jwks.json` : JWKS_URL, transport),
  };
}
