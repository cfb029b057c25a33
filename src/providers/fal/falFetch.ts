import { ProviderError } from "../ProviderAdapter.js";
import { falError } from "./falError.js";

/** How the adapter's requests are sent. */
export type FalTransport = { fetch: typeof fetch; timeoutMs: number };

/** One fal answer: HTTP status, parsed JSON body (text when not JSON), headers. */
export type FalAnswer = { status: number; body: unknown; headers: Headers; ok: boolean };

export type FalFetchInit = {
  method: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
  /** Non-2xx statuses returned as answers instead of thrown (e.g. a result endpoint's 422). */
  accept?: (status: number) => boolean;
};

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  if ((response.headers.get("content-type") ?? "").includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Sends one request to fal with the adapter's timeout joined to the caller's signal. Network
 * failures and timeouts become transient ProviderErrors; a caller's abort is rethrown as is; a
 * non-2xx answer becomes the matching ProviderError unless `accept` takes it.
 * @throws ProviderError
 */
export async function falFetch(transport: FalTransport, url: string, init: FalFetchInit): Promise<FalAnswer> {
  const signal = AbortSignal.any([init.signal, AbortSignal.timeout(transport.timeoutMs)]);
  let response: Response;
  let body: unknown;
  try {
    response = await transport.fetch(url, { method: init.method, headers: init.headers, body: init.body, signal });
    body = await readBody(response);
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason ?? error;
    if (signal.aborted) throw new ProviderError("transient", `fal did not answer within ${transport.timeoutMs} ms`);
    // The cause's text is the runtime's (connection refused, reset…), never our headers.
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new ProviderError("transient", `fal could not be reached: ${cause}`);
  }
  const answer = { status: response.status, body, headers: response.headers, ok: response.ok };
  if (response.ok || init.accept?.(response.status)) return answer;
  throw falError(response.status, body, response.headers.get("retry-after"));
}
