import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { onDeadline } from "./onDeadline.js";

const DAY = 24 * 60 * 60 * 1000;

describe("onDeadline", () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it("fires once when the deadline passes", () => {
    const fire = vi.fn();
    onDeadline(new Date(Date.now() + 5000), fire);
    vi.advanceTimersByTime(4999);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(60_000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it("fires at once for a deadline already past, and never without one", () => {
    const fire = vi.fn();
    onDeadline(new Date(Date.now() - 1), fire);
    expect(fire).toHaveBeenCalledTimes(1);
    const never = vi.fn();
    onDeadline(undefined, never);
    vi.advanceTimersByTime(365 * DAY);
    expect(never).not.toHaveBeenCalled();
  });

  it("reaches deadlines beyond setTimeout's range in steps", () => {
    const fire = vi.fn();
    onDeadline(new Date(Date.now() + 40 * DAY), fire);
    vi.advanceTimersByTime(39 * DAY);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(DAY);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it("does not fire once cancelled", () => {
    const fire = vi.fn();
    const cancel = onDeadline(new Date(Date.now() + 1000), fire);
    cancel();
    vi.advanceTimersByTime(2000);
    expect(fire).not.toHaveBeenCalled();
  });
});
