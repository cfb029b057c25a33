/**
 * The live streams open in one API process (GraphQL subscriptions over SSE or WebSocket, the
 * REST progress stream), so that stopping the process ends each of them cleanly: the stream
 * completes as it would at its natural end (an SSE `complete` event, a graphql-ws `complete`
 * message, the end of the progress stream's response) instead of being cut when the process
 * exits. A client then reconnects, to this deployment's next process or another instance, and
 * gets the current state first, as every new stream does.
 */
export class LiveStreams {
  private readonly open = new Set<{ end: () => void }>();
  private stopping = false;
  private waiters: Array<() => void> = [];

  /**
   * Registers an open stream by how to end it; returns its release, to call once the stream
   * has finished (idempotent). A stream opened while the process stops is ended at once.
   */
  add(end: () => void): () => void {
    const entry = { end };
    this.open.add(entry);
    if (this.stopping) end();
    return () => {
      if (!this.open.delete(entry) || this.open.size > 0) return;
      for (const resolve of this.waiters.splice(0)) resolve();
    };
  }

  /** Ends every open stream, and any opened from now on; resolves once all have finished. */
  endAll(): Promise<void> {
    this.stopping = true;
    const done = new Promise<void>((resolve) => (this.open.size === 0 ? resolve() : this.waiters.push(resolve)));
    for (const entry of [...this.open]) entry.end();
    return done;
  }

  /** Streams currently open (for diagnostics and tests). */
  get size(): number {
    return this.open.size;
  }
}
