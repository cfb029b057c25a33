import { ProviderError } from "../ProviderAdapter.js";

/** How one OpenAI call is made: origin, key, fetch and timeout. */
export type OpenAIHttpOptions = { origin: string; apiKey: string; fetch: typeof fetch; timeoutMs: number };

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get("retry-after");
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}

/** Maps OpenAI's {error:{message,type,code}} answers to the contract's error kinds. */
export function openaiHttpError(status: number, body: unknown, response?: Response): ProviderError {
  const error = (body as { error?: { message?: unknown; type?: unknown; code?: unknown } } | undefined)?.error;
  const message = typeof error?.message === "string" && error.message ? error.message : `openai answered HTTP ${status}`;
  const code = `${String(error?.code ?? "")} ${String(error?.type ?? "")}`;
  if (status === 401 || status === 403) return new ProviderError("auth", "openai refused the API key (OPENAI_API_KEY)", status);
  // insufficient_quota arrives as a 429 but retrying cannot help: the account cannot pay.
  if (status === 402 || /insufficient_quota|billing_hard_limit/.test(code)) {
    return new ProviderError("insufficient_credits", `openai: insufficient credits: ${message}`, status);
  }
  if (/content_policy_violation/.test(code)) return new ProviderError("content_policy", `openai refused by content policy: ${message}`, status);
  if (status === 404) return new ProviderError("not_found", message, status);
  if (status === 429 || status >= 500) return new ProviderError("transient", message, status, response ? retryAfterMs(response) : undefined);
  return new ProviderError("validation", message, status);
}

/**
 * One call to OpenAI's API; JSON bodies are parsed, anything else is returned as bytes.
 * @throws ProviderError
 */
export async function openaiCall(
  http: OpenAIHttpOptions,
  path: string,
  signal: AbortSignal,
  body: Record<string, unknown> | FormData,
): Promise<{ json?: unknown; bytes?: Buffer; contentType: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${http.apiKey}` };
  if (!(body instanceof FormData)) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await http.fetch(`${http.origin}${path}`, {
      method: "POST",
      headers,
      body: body instanceof FormData ? body : JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(http.timeoutMs)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ProviderError("transient", `openai request failed: ${(error as Error).name}`);
  }
  const contentType = response.headers.get("content-type") ?? "";
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: unknown = undefined;
  if (contentType.includes("json")) {
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch {
      json = undefined;
    }
  }
  if (!response.ok) throw openaiHttpError(response.status, json, response);
  return json === undefined ? { bytes, contentType } : { json, contentType };
}
