/**
 * The provider adapter contract: the one small interface each AI provider (fal, Replicate, OpenAI,
 * Kie) implements, so the worker can submit a declared generator's request, release its slot,
 * and later learn the outcome by polling `status` or from a verified webhook.
 *
 * Adapters speak HTTP only; they never touch the database or storage. Errors they throw are
 * {@link ProviderError}s whose `kind` decides what the worker does. No message, log line or
 * error an adapter produces may contain an API key, token or signing secret.
 */
import type { ProviderRequest, ResolvedEndpoint } from "../generators/declarative/buildProviderRequest.js";
import type { ProviderName } from "../generators/declarative/GeneratorDeclaration.js";

export type { ProviderName };

/** How an adapter reaches its provider. */
export type AdapterOptions = {
  /** The provider's API key or token (never logged, never in messages). */
  apiKey: string;
  /**
   * Origin override (`BOARDS_PROVIDER_ENDPOINTS`): every request of this provider — API, queue,
   * status, results, file uploads, key sets — goes to this origin instead of the provider's hosts.
   * Paths stay as the provider documents them.
   */
  baseUrl?: string;
  /**
   * Secret for verifying webhooks where it is not the API key: Replicate's signing secret
   * (`whsec_…`; fetched from Replicate's API when absent), Kie's webhook HMAC key.
   */
  webhookSecret?: string;
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
  /** Timeout of one HTTP request in ms (default 60 s). */
  requestTimeoutMs?: number;
};

/** What the worker knows when it submits. */
export type SubmitOptions = {
  signal: AbortSignal;
  /** Where the provider should deliver its webhook (`BOARDS_PUBLIC_URL`/api/webhooks/<provider>); unset: polling only. */
  webhookUrl?: string;
  /** Our generation id: an idempotency key where the provider accepts one. */
  idempotencyKey: string;
};

/** Where a provider job stands. `progress` is 0–100 when the provider reports one. */
export type ProviderStatus =
  | { state: "queued"; queuePosition?: number; logs?: string[] }
  | { state: "running"; progress?: number; logs?: string[] }
  | {
      state: "succeeded";
      /** The provider's result, as the declaration's output mapping reads it (see readProviderOutputs). */
      result: unknown;
      /** What the provider says the run cost, in USD, when it says. */
      costUsd?: number;
    }
  | { state: "failed"; error: ProviderError }
  | { state: "cancelled" };

/** A submitted job: its provider id, and its outcome when the provider answered synchronously (OpenAI). */
export type Submitted = { externalId: string; immediate?: ProviderStatus };

/** A local file (an artifact input) to hand to the provider. */
export type InputFile = { path: string; contentType: string; filename: string; size: number };

/** A webhook delivery as received: lower-cased header names, the exact body bytes. */
export type WebhookDelivery = { headers: Record<string, string | undefined>; body: Buffer };

/** A verified delivery: which provider job it is about, and its status when the body carries it. */
export type WebhookEvent = {
  /** Unique id of this delivery (for replay refusal): the provider's delivery id, else a digest of the signed parts. */
  deliveryId: string;
  externalId: string;
  status?: ProviderStatus;
};

/** One provider. */
export interface ProviderAdapter {
  readonly name: ProviderName;
  /** Largest artifact input sent inline as a data: URI (0: never). */
  readonly maxDataUriBytes: number;
  /**
   * Submits a request (built by buildProviderRequest from the generator's declaration).
   * @throws ProviderError
   */
  submit(request: ProviderRequest, options: SubmitOptions): Promise<Submitted>;
  /**
   * The job's status; on success, with the full result (adapters fetch it when the status call
   * does not include it).
   * @throws ProviderError (a `failed` job is a status, not a throw)
   */
  status(endpoint: ResolvedEndpoint, externalId: string, signal: AbortSignal): Promise<ProviderStatus>;
  /** Asks the provider to stop the job (best effort; a finished job is not an error). */
  cancel(endpoint: ResolvedEndpoint, externalId: string, signal: AbortSignal): Promise<void>;
  /** Uploads an input file to the provider's own file storage; returns a URL the provider accepts. */
  uploadFile?(file: InputFile, signal: AbortSignal): Promise<string>;
  /**
   * Verifies a webhook delivery's signature and freshness and reads it.
   * @throws WebhookRejected for an unsigned, tampered, malformed or stale delivery
   */
  verifyWebhook?(delivery: WebhookDelivery, now: Date): Promise<WebhookEvent>;
}

/** The configured adapters, by provider; a provider without a key has none. */
export type ProviderAdapters = Partial<Record<ProviderName, ProviderAdapter>>;

/**
 * What went wrong at a provider, by what the worker should do about it:
 * - `validation`: the provider refused the request (4xx): FAILED at once with its message
 * - `transient`: 429, 5xx, timeouts, network: retried with backoff (bounded)
 * - `content_policy`: a safety refusal: FAILED, message containing "content policy"
 * - `insufficient_credits`: the account cannot pay: FAILED, message containing "insufficient credits"
 * - `auth`: the key was refused: FAILED, message naming the variable (never the key)
 * - `not_found`: the provider does not know the job (expired or never submitted)
 */
export type ProviderErrorKind = "validation" | "transient" | "content_policy" | "insufficient_credits" | "auth" | "not_found";

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly httpStatus?: number,
    /** The provider's Retry-After, in ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/** A webhook delivery that must be answered 401: unsigned, tampered, malformed or stale. */
export class WebhookRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookRejected";
  }
}

/** Environment variable holding each provider's key (as Boards names them). */
export const PROVIDER_KEY_VARIABLES: Record<ProviderName, string> = {
  fal: "FAL_KEY",
  replicate: "REPLICATE_API_TOKEN",
  openai: "OPENAI_API_KEY",
  kie: "KIE_API_KEY",
};
