import { describe, expect, it } from "vitest";
import { ProviderError } from "../providers/ProviderAdapter.js";
import { actOnProviderError, MAX_TRANSIENT_FAILURES, parkedPollDelayMs, parkedProgress, pollDelayMs } from "./pollSchedule.js";

describe("pollSchedule", () => {
  it("polls a parked job at a quarter of its time so far (2 s to 60 s), or every 30 then 60 s behind webhooks", () => {
    expect([0, 4_000, 20_000, 40_000, 120_000, 600_000].map((ms) => parkedPollDelayMs(ms, false))).toEqual([2000, 2000, 5000, 10_000, 30_000, 60_000]);
    // A 20 s job is seen by 25 s at the latest.
    let seen = 0;
    while (seen < 20_000) seen += parkedPollDelayMs(seen, false);
    expect(seen).toBeLessThanOrEqual(25_000);
    expect([0, 29_999, 30_000, 600_000].map((ms) => parkedPollDelayMs(ms, true))).toEqual([30_000, 30_000, 60_000, 60_000]);
  });

  it("backs off from 2 s doubling to 60 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map(pollDelayMs)).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it("retries transient errors, honouring Retry-After, then gives up with the last message", () => {
    expect(actOnProviderError(new ProviderError("transient", "503", 503, 7000), "fal", 0)).toEqual({ action: "retry", delayMs: 7000 });
    const last = actOnProviderError(new ProviderError("transient", "rate limited", 429), "fal", MAX_TRANSIENT_FAILURES - 1);
    expect(last).toMatchObject({ action: "fail" });
    expect(last.action === "fail" && last.message).toContain("rate limited");
  });

  it("fails other kinds at once with words a user can act on", () => {
    const msg = (kind: ProviderError["kind"], text: string) => {
      const a = actOnProviderError(new ProviderError(kind, text), "replicate", 0);
      return a.action === "fail" ? a.message : "retried";
    };
    expect(msg("validation", "prompt is required")).toBe("prompt is required");
    expect(msg("content_policy", "flagged")).toContain("content policy");
    expect(msg("insufficient_credits", "402")).toContain("insufficient credits");
    expect(msg("auth", "401")).toContain("refused the API key");
    expect(msg("not_found", "gone")).toContain("gone");
  });

  it("progress is monotonic and below 100", () => {
    expect(parkedProgress({ state: "running", progress: 30 }, 50, 0, 1000)).toBe(50);
    expect(parkedProgress({ state: "running", progress: 100 }, 0, 0, 1000)).toBe(99);
    const early = parkedProgress({ state: "running" }, 0, 100, 10_000);
    const later = parkedProgress({ state: "running" }, early, 5000, 10_000);
    expect(later).toBeGreaterThan(early);
    expect(parkedProgress({ state: "queued", queuePosition: 3 }, 0, 10_000, 10_000)).toBeLessThanOrEqual(10);
  });
});
