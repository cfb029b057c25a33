import { ProviderError } from "../ProviderAdapter.js";

/** How one Replicate call is made: origin, key, fetch and timeout. */
export type ReplicateHttpOptions = { origin: string; apiKey: string; fetch: typeof fetch; timeoutMs: number };

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get("retry-after");
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}

/** Replicate's error bodies are problem+json ({title, detail}) or {detail}. */
function messageOf(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const b = body as { detail?: unknown; title?: unknown };
    if (typeof b.detail === "string" && b.detail) return b.detail;
    if (typeof b.title === "string" && b.title) return b.title;
  }
  return `replicate answered HTTP ${status}`;
}

/** Maps a refused response to the contract's error kinds. */
export function replicateHttpError(status: number, body: unknown, response?: Response): ProviderError {
  const message = messageOf(body, status);
  if (status === 401 || status === 403) return new ProviderError("auth", "replicate refused the API key (REPLICATE_API_TOKEN)", status);
  if (status === 402 || /insufficient (credit|balance)|billing/i.test(message)) {
    return new ProviderError("insufficient_credits", `replicate: insufficient credits: ${message}`, status);
  }
  if (/nsfw|content policy|flagged as sensitive/i.test(message)) return new ProviderError("content_policy", `replicate refused by content policy: ${message}`, status);
  if (status === 404) return new ProviderError("not_found", message, status);
  if (status === 429 || status >= 500) return new ProviderError("transient", message, status, response ? retryAfterMs(response) : undefined);
  return new ProviderError("validation", message, status);
}

/**
 * One JSON (or multipart) call to Replicate's API.
 * @throws ProviderError
 */
export async function replicateCall(
  http: ReplicateHttpOptions,
  method: string,
  path: string,
  signal: AbortSignal,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${http.apiKey}` };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await http.fetch(`${http.origin}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.any([signal, AbortSignal.timeout(http.timeoutMs)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ProviderError("transient", `replicate request failed: ${(error as Error).name}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // A non-JSON body (a proxy's HTML page): the status alone decides.
  }
  if (!response.ok) throw replicateHttpError(response.status, parsed, response);
  return parsed;
}
