// Plain fetch: Kie publishes no official npm SDK, and its REST API is small JSON over HTTP.
/**
 * The Kie.ai adapter. Market models go to `POST /api/v1/jobs/createTask` and are read back from
 * `GET /api/v1/jobs/recordInfo`; dedicated APIs (Suno, Veo, Runway Aleph) go to the declaration's
 * path and are read back from its status path. Both answer `{code, msg, data: {taskId}}`.
 */
import type { ProviderRequest, ResolvedEndpoint } from "../../generators/declarative/buildProviderRequest.js";
import { ProviderError, type AdapterOptions, type ProviderAdapter, type ProviderStatus, type Submitted } from "../ProviderAdapter.js";
import { callKie, type KieClient } from "./kieHttp.js";
import { readKieRecord } from "./kieStatus.js";
import { uploadToKie } from "./kieUpload.js";
import { verifyKieWebhook } from "./kieWebhook.js";

const API_ORIGIN = "https://api.kie.ai";
const UPLOAD_ORIGIN = "https://kieai.redpandaai.co";
const MARKET_CREATE = "/api/v1/jobs/createTask";
const MARKET_RECORD = "/api/v1/jobs/recordInfo";

function submitPath(endpoint: ResolvedEndpoint): string {
  if ("api" in endpoint && endpoint.api === "market") return MARKET_CREATE;
  if ("api" in endpoint && endpoint.api === "dedicated") return endpoint.path;
  throw new ProviderError("validation", "Kie serves Market models and dedicated APIs only");
}

function statusPath(endpoint: ResolvedEndpoint): string {
  if ("api" in endpoint && endpoint.api === "market") return MARKET_RECORD;
  if ("api" in endpoint && endpoint.api === "dedicated") return endpoint.statusPath;
  throw new ProviderError("validation", "Kie serves Market models and dedicated APIs only");
}

function taskIdOf(data: unknown): string | undefined {
  const id = data && typeof data === "object" ? (data as Record<string, unknown>).taskId : undefined;
  return typeof id === "string" && id ? id : undefined;
}

/**
 * Creates the Kie adapter.
 * @param options `apiKey` is KIE_API_KEY; `webhookSecret` is the webhook HMAC key from Kie's
 * settings (without it no callback verifies); `baseUrl` sends API and upload calls to one origin
 */
export function createKieAdapter(options: AdapterOptions): ProviderAdapter {
  const origin = options.baseUrl?.replace(/\/+$/, "");
  const client: KieClient = {
    apiKey: options.apiKey,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.requestTimeoutMs ?? 60_000,
    apiOrigin: origin ?? API_ORIGIN,
    uploadOrigin: origin ?? UPLOAD_ORIGIN,
  };

  return {
    name: "kie",
    // Kie's generation APIs take public URLs only; inputs go through its file upload API.
    maxDataUriBytes: 0,

    async submit(request: ProviderRequest, { signal, webhookUrl }): Promise<Submitted> {
      // Kie has no idempotency key. A callback URL is sent only when there is one to call: Suno
      // requires the field, and its declaration carries a placeholder that this then replaces.
      const body = webhookUrl ? { ...request.body, callBackUrl: webhookUrl } : request.body;
      const data = await callKie(client, `${client.apiOrigin}${submitPath(request.endpoint)}`, { method: "POST", json: body }, signal);
      const externalId = taskIdOf(data);
      if (!externalId) throw new ProviderError("validation", "Kie accepted the request but returned no taskId");
      return { externalId };
    },

    async status(endpoint: ResolvedEndpoint, externalId: string, signal: AbortSignal): Promise<ProviderStatus> {
      const url = `${client.apiOrigin}${statusPath(endpoint)}?taskId=${encodeURIComponent(externalId)}`;
      const data = await callKie(client, url, { method: "GET" }, signal);
      if (!data || typeof data !== "object") throw new ProviderError("not_found", "Kie has no record of this task");
      return readKieRecord(endpoint, data as Record<string, unknown>);
    },

    async cancel(): Promise<void> {
      // Kie offers no way to stop a task: it runs to its end and its result is ignored.
    },

    uploadFile(file, signal) {
      return uploadToKie(client, file, signal);
    },

    async verifyWebhook(delivery, now) {
      return verifyKieWebhook(delivery, now, options.webhookSecret);
    },
  };
}
