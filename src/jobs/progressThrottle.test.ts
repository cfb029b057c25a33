import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProgressThrottle, type ProgressUpdate } from "./progressThrottle.js";

describe("ProgressThrottle", () => {
  let written: ProgressUpdate[];
  let throttle: ProgressThrottle;
  const update = (progress: number, phase = "processing"): ProgressUpdate => ({ progress, phase, message: null });

  beforeEach(() => {
    vi.useFakeTimers();
    written = [];
    throttle = new ProgressThrottle(async (u) => void written.push(u), 250, (e) => {
      throw e;
    });
  });
  afterEach(() => vi.useRealTimers());

  it("writes the first report at once and coalesces the rest of the interval into its latest", async () => {
    await throttle.report(update(1));
    for (let p = 2; p <= 50; p++) await throttle.report(update(p));
    expect(written.map((u) => u.progress)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(250);
    expect(written.map((u) => u.progress)).toEqual([1, 50]);
  });

  it("writes a report in a new phase at once", async () => {
    await throttle.report(update(10, "processing"));
    await throttle.report(update(20, "processing"));
    await throttle.report(update(30, "finalizing"));
    expect(written.map((u) => [u.progress, u.phase])).toEqual([
      [10, "processing"],
      [30, "finalizing"],
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toHaveLength(2);
  });

  it("writes every report once the interval has passed", async () => {
    for (let p = 1; p <= 3; p++) {
      await throttle.report(update(p));
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(written.map((u) => u.progress)).toEqual([1, 2, 3]);
  });

  it("drops a held report when cancelled", async () => {
    await throttle.report(update(1));
    await throttle.report(update(2));
    throttle.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(written.map((u) => u.progress)).toEqual([1]);
  });

  it("with a zero interval writes every report", async () => {
    const all = new ProgressThrottle(async (u) => void written.push(u), 0, () => undefined);
    for (let p = 1; p <= 5; p++) await all.report(update(p));
    expect(written.map((u) => u.progress)).toEqual([1, 2, 3, 4, 5]);
  });
});
