import { PROVIDER_KEY_VARIABLES, ProviderError } from "../ProviderAdapter.js";

type FalDetailItem = { loc?: unknown; msg?: unknown; type?: unknown };

// fal answers a locked account with 403 "User is locked. Reason: Exhausted balance. Top up …".
const CREDITS = /exhausted balance|insufficient (balance|credits?|funds)|top up your balance|out of credits/i;
const POLICY = /content polic|content checker|nsfw|safety (checker|filter|system)|flagged/i;

/** fal's error text: `detail` as a string, or its typed items as `field: message; …`. */
function detailText(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim() ? body.trim().slice(0, 500) : undefined;
  if (!body || typeof body !== "object") return undefined;
  const { detail, message, error } = body as { detail?: unknown; message?: unknown; error?: unknown };
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const parts = (detail as FalDetailItem[]).map((item) => {
      const loc = Array.isArray(item?.loc) ? item.loc.filter((p) => p !== "body").join(".") : "";
      const msg = typeof item?.msg === "string" ? item.msg : JSON.stringify(item);
      return loc ? `${loc}: ${msg}` : msg;
    });
    if (parts.length) return parts.join("; ");
  }
  if (typeof message === "string") return message;
  if (typeof error === "string") return error;
  return undefined;
}

/** Whether fal's typed error items name a content checker's refusal. */
function isPolicyRefusal(body: unknown, text: string | undefined): boolean {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (Array.isArray(detail) && detail.some((d: FalDetailItem) => d?.type === "content_policy_violation")) return true;
  return text !== undefined && POLICY.test(text);
}

/** Retry-After in ms: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The ProviderError for a fal answer that was not a success: content-policy refusals (typed
 * `content_policy_violation` items or a checker's words), a locked account (exhausted balance),
 * refused keys, unknown requests, rate limits and server trouble, else a validation error
 * carrying fal's own message.
 */
export function falError(status: number, body: unknown, retryAfter?: string | null): ProviderError {
  const text = detailText(body);
  if (status === 402 || (text !== undefined && CREDITS.test(text))) {
    return new ProviderError("insufficient_credits", `fal: insufficient credits${text ? ` (${text})` : ""}`, status);
  }
  if (status === 401 || status === 403) {
    return new ProviderError("auth", `fal refused the API key (${PROVIDER_KEY_VARIABLES.fal})`, status);
  }
  if ((status === 400 || status === 422) && isPolicyRefusal(body, text)) {
    return new ProviderError("content_policy", `fal refused the request under its content policy${text ? `: ${text}` : ""}`, status);
  }
  if (status === 404) return new ProviderError("not_found", `fal does not know this request${text ? ` (${text})` : ""}`, status);
  if (status === 429) return new ProviderError("transient", `fal rate limit${text ? `: ${text}` : ""}`, status, retryAfterMs(retryAfter));
  if (status === 408 || status >= 500) {
    return new ProviderError("transient", `fal answered ${status}${text ? `: ${text}` : ""}`, status, retryAfterMs(retryAfter));
  }
  return new ProviderError("validation", text ? `fal rejected the request: ${text}` : `fal rejected the request (HTTP ${status})`, status);
}
