/**
 * A Kie task record as a ProviderStatus. Each API reports progress its own way: the Market's
 * `recordInfo` has `state` (waiting, queuing, generating, success, fail) and a `resultJson`
 * string; Veo and Runway Aleph have `successFlag` (0 generating, 1 success, 2 failed, 3 generation
 * failed); Suno has `status` (PENDING, TEXT_SUCCESS, FIRST_SUCCESS, SUCCESS, or a failure such as
 * GENERATE_AUDIO_FAILED or SENSITIVE_WORD_ERROR). On success the record itself is the result: the
 * declarations' output paths (`resultJson|json.resultUrls[]`, `response.sunoData[]`, …) read it.
 */
import type { ResolvedEndpoint } from "../../generators/declarative/buildProviderRequest.js";
import type { ProviderStatus } from "../ProviderAdapter.js";
import { kieTaskError } from "./kieError.js";

type KieRecord = Record<string, unknown>;

function text(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value);
}

/** Market progress is a percentage when present. */
function percent(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number.parseFloat(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) return undefined;
  return Math.min(100, Math.max(0, n));
}

function marketStatus(record: KieRecord): ProviderStatus {
  const state = typeof record.state === "string" ? record.state.toLowerCase() : undefined;
  switch (state) {
    case "success":
      return { state: "succeeded", result: record };
    case "fail":
    case "failed":
      return { state: "failed", error: kieTaskError(record.failCode, text(record.failMsg)) };
    case undefined:
    case "waiting":
    case "queuing":
    case "pending":
      return { state: "queued" };
    default: {
      const progress = percent(record.progress);
      return progress === undefined ? { state: "running" } : { state: "running", progress };
    }
  }
}

function flagStatus(record: KieRecord, flag: number): ProviderStatus {
  if (flag === 1) return { state: "succeeded", result: record };
  if (flag === 2 || flag === 3) return { state: "failed", error: kieTaskError(record.errorCode, text(record.errorMessage ?? record.errorMsg)) };
  return { state: "running" };
}

function sunoStatus(record: KieRecord, status: string): ProviderStatus {
  const upper = status.toUpperCase();
  if (upper === "SUCCESS") return { state: "succeeded", result: record };
  if (upper === "PENDING") return { state: "queued" };
  if (upper === "SENSITIVE_WORD_ERROR") {
    return { state: "failed", error: kieTaskError(record.errorCode, `sensitive content (content policy): ${text(record.errorMessage ?? record.errorMsg)}`) };
  }
  if (/FAIL|ERROR|EXCEPTION/.test(upper)) return { state: "failed", error: kieTaskError(record.errorCode, text(record.errorMessage ?? record.errorMsg) || upper) };
  // TEXT_SUCCESS and FIRST_SUCCESS: lyrics or the first track are ready, the rest is still running.
  return { state: "running" };
}

/** Reads a task record returned by the endpoint's status API. */
export function readKieRecord(endpoint: ResolvedEndpoint, record: KieRecord): ProviderStatus {
  if ("api" in endpoint && endpoint.api === "market") return marketStatus(record);
  const flag = typeof record.successFlag === "string" ? Number.parseInt(record.successFlag, 10) : record.successFlag;
  if (typeof flag === "number" && Number.isFinite(flag)) return flagStatus(record, flag);
  if (typeof record.status === "string") return sunoStatus(record, record.status);
  return { state: "queued" };
}
