// Plain fetch instead of the `replicate` SDK: the SDK retries on its own and hides status codes
// and Retry-After, which the worker needs to decide about retries itself.
import { openAsBlob } from "node:fs";
import type { ResolvedEndpoint } from "../../generators/declarative/buildProviderRequest.js";
import {
  ProviderError,
  WebhookRejected,
  type AdapterOptions,
  type InputFile,
  type ProviderAdapter,
  type ProviderStatus,
  type SubmitOptions,
  type Submitted,
  type WebhookDelivery,
  type WebhookEvent,
} from "../ProviderAdapter.js";
import { replicateCall, type ReplicateHttpOptions } from "./replicateHttp.js";
import { replicateStatus, type ReplicatePrediction } from "./replicateStatus.js";
import { verifyReplicateSignature } from "./replicateWebhook.js";

const DEFAULT_ORIGIN = "https://api.replicate.com";

/** Where a prediction is created: by model name, or by version when the endpoint pins one. */
function predictionPath(endpoint: ResolvedEndpoint): { path: string; version?: string } {
  const e = endpoint as { model?: string; version?: string };
  if (e.version) return { path: "/v1/predictions", version: e.version };
  const model = e.model ?? "";
  const [owner, name] = model.split("/");
  return { path: `/v1/models/${encodeURIComponent(owner ?? "")}/${encodeURIComponent(name ?? "")}/predictions` };
}

/**
 * The Replicate adapter: predictions by model (or version), status by polling or signed
 * webhooks, cancel, and file uploads to Replicate's file store.
 * Replicate documents no idempotency key, so `idempotencyKey` is not sent.
 */
export function createReplicateAdapter(options: AdapterOptions): ProviderAdapter {
  const http: ReplicateHttpOptions = {
    origin: (options.baseUrl ?? DEFAULT_ORIGIN).replace(/\/+$/, ""),
    apiKey: options.apiKey,
    fetch: options.fetch ?? fetch,
    timeoutMs: options.requestTimeoutMs ?? 60_000,
  };
  let secret: Promise<string> | undefined = options.webhookSecret ? Promise.resolve(options.webhookSecret) : undefined;

  /** The account's signing secret, fetched once (a failed fetch is retried on the next delivery). */
  function signingSecret(): Promise<string> {
    if (!secret) {
      secret = replicateCall(http, "GET", "/v1/webhooks/default/secret", AbortSignal.timeout(http.timeoutMs)).then((body) => {
        const key = (body as { key?: unknown } | undefined)?.key;
        if (typeof key !== "string" || !key) throw new Error("replicate returned no webhook secret");
        return key;
      });
      secret.catch(() => {
        secret = undefined;
      });
    }
    return secret;
  }

  return {
    name: "replicate",
    maxDataUriBytes: 1024 * 1024,

    async submit(request, submitOptions: SubmitOptions): Promise<Submitted> {
      const { path, version } = predictionPath(request.endpoint);
      const body: Record<string, unknown> = { input: request.body };
      if (version) body.version = version;
      if (submitOptions.webhookUrl) {
        body.webhook = submitOptions.webhookUrl;
        body.webhook_events_filter = ["completed"];
      }
      const prediction = (await replicateCall(http, "POST", path, submitOptions.signal, body)) as ReplicatePrediction;
      return { externalId: prediction.id };
    },

    async status(_endpoint, externalId, signal): Promise<ProviderStatus> {
      const prediction = await replicateCall(http, "GET", `/v1/predictions/${encodeURIComponent(externalId)}`, signal);
      return replicateStatus(prediction as ReplicatePrediction);
    },

    async cancel(_endpoint, externalId, signal): Promise<void> {
      await replicateCall(http, "POST", `/v1/predictions/${encodeURIComponent(externalId)}/cancel`, signal);
    },

    async uploadFile(file: InputFile, signal: AbortSignal): Promise<string> {
      const form = new FormData();
      form.append("content", await openAsBlob(file.path, { type: file.contentType }), file.filename);
      const body = (await replicateCall(http, "POST", "/v1/files", signal, form)) as { urls?: { get?: string } };
      if (!body?.urls?.get) throw new ProviderError("transient", "replicate file upload returned no URL");
      return body.urls.get;
    },

    async verifyWebhook(delivery: WebhookDelivery, now: Date): Promise<WebhookEvent> {
      const deliveryId = verifyReplicateSignature(delivery, await signingSecret(), now);
      let prediction: ReplicatePrediction;
      try {
        prediction = JSON.parse(delivery.body.toString("utf8")) as ReplicatePrediction;
      } catch {
        throw new WebhookRejected("replicate webhook body is not JSON");
      }
      if (!prediction || typeof prediction.id !== "string") throw new WebhookRejected("replicate webhook names no prediction");
      return { deliveryId, externalId: prediction.id, status: replicateStatus(prediction) };
    },
  };
}
