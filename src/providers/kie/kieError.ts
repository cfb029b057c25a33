/**
 * Kie's failures as ProviderErrors. Kie mostly answers HTTP 200 and puts the outcome in the JSON
 * `code` (401 key refused, 402 insufficient credits, 404 unknown task, 422 validation, 429 rate
 * limit, 455 maintenance, 500/501 server or generation failure, 505 feature disabled), so the
 * `code` decides the kind; a failed task reports `failCode`/`failMsg` (Market) or
 * `errorCode`/`errorMessage` (dedicated APIs), and safety refusals are only told by their message.
 */
import { PROVIDER_KEY_VARIABLES, ProviderError } from "../ProviderAdapter.js";

const CONTENT_POLICY = /sensitive|nsfw|safety|content[ _-]?polic|prohibited|violat|moderat|flagged|inappropriate/i;
const NO_CREDITS = /insufficient|not enough credits|balance is (too )?low|top ?up/i;

/** The kinds a provider message alone can tell, whatever the code. */
function byMessage(message: string, httpStatus: number | undefined): ProviderError | undefined {
  if (CONTENT_POLICY.test(message)) return new ProviderError("content_policy", `Kie refused the request under its content policy: ${message}`, httpStatus);
  if (NO_CREDITS.test(message)) return new ProviderError("insufficient_credits", `Kie: insufficient credits: ${message}`, httpStatus);
  return undefined;
}

/**
 * The error for a refused request.
 * @param code Kie's `code` (or the HTTP status when the body has none)
 * @param message Kie's own message, already free of secrets
 */
export function kieRequestError(code: number, message: string, httpStatus?: number, retryAfterMs?: number): ProviderError {
  const said = message || `code ${code}`;
  if (code === 401 || code === 403) return new ProviderError("auth", `Kie refused the API key (${PROVIDER_KEY_VARIABLES.kie})`, httpStatus);
  if (code === 402) return new ProviderError("insufficient_credits", `Kie: insufficient credits: ${said}`, httpStatus);
  if (code === 429) return new ProviderError("transient", `Kie is rate limiting: ${said}`, httpStatus, retryAfterMs);
  if (code === 404) return new ProviderError("not_found", `Kie does not know this task: ${said}`, httpStatus);
  // 455 is Kie's "service unavailable" (maintenance); every 5xx may pass on a retry.
  if (code === 455 || (code >= 500 && code !== 505)) return new ProviderError("transient", `Kie is unavailable (${code}): ${said}`, httpStatus, retryAfterMs);
  return byMessage(said, httpStatus) ?? new ProviderError("validation", `Kie refused the request: ${said}`, httpStatus);
}

/** The error of a task that ran and failed, from its failure code and message. */
export function kieTaskError(code: unknown, message: string): ProviderError {
  const said = message || (code ? `code ${String(code)}` : "no reason given");
  const numeric = typeof code === "number" ? code : Number.parseInt(String(code ?? ""), 10);
  if (numeric === 402) return new ProviderError("insufficient_credits", `Kie: insufficient credits: ${said}`);
  return byMessage(said, undefined) ?? new ProviderError("validation", `Kie generation failed: ${said}`);
}
