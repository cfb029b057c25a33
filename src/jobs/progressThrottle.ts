/**
 * Keeps a chatty generator from writing its progress to the database (and the event bus) more
 * than once per interval. A report in a new phase is written at once; reports in between are
 * coalesced and the latest is written when the interval ends, so subscribers always see where
 * a generation got to, only not every step of the way.
 */

export type ProgressUpdate = { progress: number; phase: string; message: string | null };

export class ProgressThrottle {
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lastPhase: string | null = null;
  private pending: ProgressUpdate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  /**
   * @param write records one update (its failures reach `onError` when it runs from the timer)
   * @param intervalMs least time between two writes; 0 writes every report
   */
  constructor(
    private readonly write: (update: ProgressUpdate) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `update` now, or holds it (replacing any held one) until the interval ends. */
  async report(update: ProgressUpdate): Promise<void> {
    const due = this.now() - this.lastWriteAt >= this.intervalMs || update.phase !== this.lastPhase;
    if (due) {
      this.pending = null;
      this.clearTimer();
      return this.writeNow(update);
    }
    this.pending = update;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const held = this.pending;
      this.pending = null;
      if (held) this.writeNow(held).catch(this.onError);
    }, Math.max(0, this.lastWriteAt + this.intervalMs - this.now()));
  }

  /** Drops a held update (the run is over: its final state is written by other means). */
  cancel(): void {
    this.pending = null;
    this.clearTimer();
  }

  /** Resolves when the write in progress, if any, has finished. */
  settled(): Promise<void> {
    return this.writing.catch(() => undefined);
  }

  private writeNow(update: ProgressUpdate): Promise<void> {
    this.lastWriteAt = this.now();
    this.lastPhase = update.phase;
    // Writes go one after another, so an older update never lands after a newer one.
    this.writing = this.writing.catch(() => undefined).then(() => this.write(update));
    return this.writing;
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
