import { ProviderError, type ProviderStatus } from "../ProviderAdapter.js";

/** A Replicate prediction as GET /v1/predictions/{id} returns it (the fields we read). */
export type ReplicatePrediction = {
  id: string;
  status: "starting" | "processing" | "succeeded" | "failed" | "canceled" | "aborted";
  output?: unknown;
  error?: unknown;
  logs?: string | null;
  metrics?: { predict_time?: number; cost?: number } | null;
};

/** The last tqdm percentage in the logs ("  45%|###"), which is how most models report progress. */
function progressFromLogs(logs: string | null | undefined): number | undefined {
  if (!logs) return undefined;
  const matches = [...logs.matchAll(/(\d{1,3})%\|/g)];
  const last = matches.at(-1);
  if (!last) return undefined;
  return Math.min(100, Number(last[1]));
}

/** Replicate reports model refusals as failed predictions; their error text is how we tell them apart. */
function failureError(error: unknown): ProviderError {
  const message = typeof error === "string" && error ? error : "replicate prediction failed";
  if (/nsfw|safety|content policy|flagged/i.test(message)) return new ProviderError("content_policy", `replicate refused by content policy: ${message}`);
  if (/insufficient|credit|billing/i.test(message)) return new ProviderError("insufficient_credits", `replicate: insufficient credits: ${message}`);
  return new ProviderError("validation", message);
}

/** Maps a prediction to the contract's status; the result is the prediction itself (outputs read `output`). */
export function replicateStatus(prediction: ReplicatePrediction): ProviderStatus {
  const logs = prediction.logs ? prediction.logs.split("\n").filter((l) => l.trim()) : undefined;
  switch (prediction.status) {
    case "starting":
      return { state: "queued", logs };
    case "processing":
      return { state: "running", progress: progressFromLogs(prediction.logs), logs };
    case "succeeded":
      return { state: "succeeded", result: prediction, costUsd: prediction.metrics?.cost };
    case "canceled":
    case "aborted":
      return { state: "cancelled" };
    default:
      return { state: "failed", error: failureError(prediction.error) };
  }
}
