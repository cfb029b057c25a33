/**
 * Tenant ids by slug, kept in the API process so that an anonymous request (which names its
 * tenant by slug and has no user to look up) reads no table to learn who it is.
 *
 * An id is served only while this process listens to tenant changes on the event bus: every
 * rename or deletion clears the directory in every process, and while the bus is away nothing is
 * served from it (the lookups go to the database). A lookup that raced a change is not kept: its
 * ticket, taken before the read, no longer matches. Entries also expire after `ttlMs`, a bound
 * for what no event could reach (the database changed by hand).
 */
import type { EventBus } from "../events.js";

type TenantChanges = Pick<EventBus, "watchTenantChanges">;

/** At most this many slugs are kept; the oldest entry makes room. */
const MAX_ENTRIES = 10_000;
/** After the bus refused or dropped the listener, the next attempt waits this long. */
const RETRY_MS = 1000;

export class TenantDirectory {
  private readonly ids = new Map<string, { id: string; until: number }>();
  /** Bumped by every change and every loss of the listener: tickets older than it are void. */
  private epoch = 0;
  private state: "idle" | "connecting" | "listening" | "closed" = "idle";
  private retryAt = 0;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly changes: TenantChanges,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant id of `slug`, if known and still valid; starts listening on first use. */
  idOf(slug: string): string | undefined {
    if (this.state !== "listening") {
      this.listen();
      return undefined;
    }
    const entry = this.ids.get(slug);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.id;
    this.ids.delete(slug);
    return undefined;
  }

  /**
   * Take before reading a tenant from the database; hand to {@link remember} with the result.
   * Starts listening, like {@link idOf}.
   */
  ticket(): number {
    if (this.state === "idle") this.listen();
    return this.epoch;
  }

  /** Keeps `slug` → `id` unless a change (or a loss of the bus) came since `ticket` was taken. */
  remember(slug: string, id: string, ticket: number): void {
    if (this.state !== "listening" || ticket !== this.epoch) return;
    this.ids.delete(slug);
    if (this.ids.size >= MAX_ENTRIES) this.ids.delete(this.ids.keys().next().value as string);
    this.ids.set(slug, { id, until: this.now() + this.ttlMs });
  }

  /** Stops listening and forgets everything (process shutdown). */
  close(): void {
    this.state = "closed";
    this.forget();
    this.stopListening?.();
    this.stopListening = undefined;
  }

  private forget(): void {
    this.epoch += 1;
    this.ids.clear();
  }

  private listen(): void {
    if (this.state !== "idle" || this.now() < this.retryAt) return;
    this.state = "connecting";
    const lost = () => {
      this.forget();
      this.stopListening = undefined;
      if (this.state === "closed") return;
      this.state = "idle";
      this.retryAt = this.now() + RETRY_MS;
    };
    void this.changes.watchTenantChanges(() => this.forget(), lost).then((stop) => {
      if (!stop) return lost();
      if (this.state === "closed") return stop();
      this.stopListening = stop;
      // A read made before listening began may have missed a change: its ticket is void.
      this.epoch += 1;
      this.state = "listening";
    });
  }
}
