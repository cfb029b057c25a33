/**
 * Live subscriptions held per user in this process: GraphQL subscriptions over WebSocket and
 * SSE and the progress stream all take a place here while they run, so one account cannot
 * hold an unbounded number of them (each keeps listeners, buffers and a bus subscription).
 * Counted per process: behind a load balancer a user may hold this many on each API instance.
 */
export class SubscriptionQuota {
  private readonly held = new Map<string, number>();

  constructor(readonly limit: number) {}

  /**
   * Takes a place for `user`. Returns the function giving it back (safe to call more than
   * once), or null when the user already holds `limit` places.
   */
  acquire(user: string): (() => void) | null {
    const count = this.held.get(user) ?? 0;
    if (count >= this.limit) return null;
    this.held.set(user, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(user) ?? 1) - 1;
      if (left > 0) this.held.set(user, left);
      else this.held.delete(user);
    };
  }

  /** Places `user` holds now. */
  count(user: string): number {
    return this.held.get(user) ?? 0;
  }

  /** The message for a refused subscription. */
  get refusal(): string {
    return `Too many live subscriptions (at most ${this.limit} per user)`;
  }
}
