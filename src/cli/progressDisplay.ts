/**
 * Shows a generation's progress on stderr: a bar redrawn in place when stderr is a terminal,
 * otherwise one plain line per change (for logs and pipes).
 */
const WIDTH = 30;

export type ProgressState = { status: string; progress: number; message: string | null };

export class ProgressDisplay {
  private last = "";
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  update(state: ProgressState): void {
    const percent = Math.max(0, Math.min(100, Math.round(state.progress)));
    const note = state.message ? ` ${state.message}` : "";
    if (this.tty) {
      const filled = Math.round((percent / 100) * WIDTH);
      const bar = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}]`;
      const columns = this.out.columns ?? 80;
      this.out.write(`\r${`${bar} ${String(percent).padStart(3)}% ${state.status.toLowerCase()}${note}`.slice(0, columns - 1)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const line = `${state.status.toLowerCase()} ${percent}%${note}`;
    if (line === this.last) return;
    this.last = line;
    this.out.write(`${line}\n`);
  }

  /** Ends the bar's line, so what follows starts on a line of its own. */
  finish(): void {
    if (this.tty && this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}
