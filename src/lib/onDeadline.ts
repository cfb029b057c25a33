/** setTimeout's largest delay; longer delays would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `fire` once when `deadline` passes (at once if it already has; never without one).
 * Returns a function that cancels it. Deadlines beyond setTimeout's range (~24.8 days) are
 * reached in steps. The timer does not keep the process alive.
 */
export function onDeadline(deadline: Date | undefined, fire: () => void, now: () => number = Date.now): () => void {
  if (!deadline) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    if (cancelled) return;
    const remaining = deadline.getTime() - now();
    if (remaining <= 0) {
      cancelled = true;
      fire();
      return;
    }
    timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
