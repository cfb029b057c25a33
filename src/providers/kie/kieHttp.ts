/**
 * One HTTP call to Kie: bearer auth, a per-request timeout joined with the caller's signal, and
 * Kie's JSON envelope (`{code, msg, data}`) checked, so callers only see `data` or a ProviderError.
 */
import { ProviderError } from "../ProviderAdapter.js";
import { kieRequestError } from "./kieError.js";

/** How the adapter reaches Kie. */
export type KieClient = {
  apiKey: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Origin of the generation APIs (`https://api.kie.ai`, or the override). */
  apiOrigin: string;
  /** Origin of the file upload API (`https://kieai.redpandaai.co`, or the override). */
  uploadOrigin: string;
};

/** Retry-After (seconds or an HTTP date) in ms. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Kie's message, bounded, and never echoing the key. */
function providerMessage(client: KieClient, body: Record<string, unknown> | undefined, fallback: string): string {
  const raw = body?.msg ?? body?.message ?? fallback;
  const text = typeof raw === "string" ? raw : JSON.stringify(raw);
  return text.replaceAll(client.apiKey, "[redacted]").slice(0, 500);
}

/**
 * Sends one request and returns the envelope's `data`.
 * @throws ProviderError for a refusal, an unreadable answer, a timeout or a network failure;
 * the caller's own abort is passed on as it is
 */
export async function callKie(
  client: KieClient,
  url: string,
  init: { method: "GET" | "POST"; json?: unknown; form?: FormData },
  signal: AbortSignal,
): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${client.apiKey}`, accept: "application/json" };
  let body: string | FormData | undefined;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.form) body = init.form;

  const timeout = AbortSignal.timeout(client.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await client.fetch(url, { method: init.method, headers, body, signal: AbortSignal.any([signal, timeout]) });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) throw new ProviderError("transient", `Kie did not answer within ${client.timeoutMs} ms`);
    throw new ProviderError("transient", `Kie could not be reached: ${(error as Error).message}`);
  }

  let envelope: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) envelope = parsed as Record<string, unknown>;
  } catch {
    envelope = undefined;
  }
  const bodyCode = typeof envelope?.code === "number" ? envelope.code : undefined;
  // A failing HTTP status wins unless the body names a more precise failure.
  const code = !response.ok ? (bodyCode !== undefined && bodyCode !== 200 ? bodyCode : response.status) : (bodyCode ?? 200);
  if (code !== 200 || envelope?.success === false) {
    const message = providerMessage(client, envelope, `HTTP ${response.status}`);
    throw kieRequestError(code === 200 ? 400 : code, message, response.status, retryAfterMs(response.headers.get("retry-after")));
  }
  if (!envelope) throw new ProviderError("transient", `Kie answered with something other than JSON (HTTP ${response.status})`, response.status);
  return envelope.data;
}
