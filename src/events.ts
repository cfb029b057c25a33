/**
 * Generation events (and changes of credit accounts) between processes. Every state change of
 * a generation is written to its row first, then published here: on Redis (so API and worker processes, any number of each,
 * share one bus) when BOARDS_REDIS_URL / REDIS_URL is set, in-process otherwise.
 *
 * Events carry a snapshot of the row (JSON-safe, dates as ISO strings), so a subscriber can
 * answer without reading the database again.
 *
 * The bus is best effort; the rows are the truth. A publish that fails (Redis away or slow
 * past its command timeout) is logged and dropped, never failing or holding up the mutation or
 * job that made it. When the connection carrying the subscriptions is lost, every subscription
 * ends and says so (`interrupted()`), so its reader can tell its client to start over from the
 * database; subscribing while the bus is away gives such an ended subscription at once.
 */
import { PubSub, type PubSubEngine } from "graphql-subscriptions";
import type { CreditTransactionType, Generation } from "./generated/prisma/client.js";
import type { Logger } from "./logger.js";
import { eventBusPublishDuration, eventBusPublishFailures } from "./metrics/metrics.js";
import { RedisChannels } from "./redisChannels.js";

/** A generation row as it travels on the bus. */
export type GenerationSnapshot = Omit<Generation, "createdAt" | "updatedAt" | "startedAt" | "completedAt"> & {
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
};

export type GenerationEvent = {
  generation: GenerationSnapshot;
  /** Lifecycle phase: queued, initializing, processing, finalizing. */
  phase: string;
  message: string | null;
  /** When the event was published (ISO). */
  timestamp: string;
};

/**
 * A change of a credit account as it travels on the bus: whose account, and the ledger entry
 * that changed it. Subscribers read the figures themselves, so out-of-order delivery never
 * shows stale ones.
 */
export type CreditChange = {
  tenantId: string;
  /** The account's holder: a user id, or "tenant" for the tenant's pool. */
  holder: string;
  type: CreditTransactionType;
  /** Signed, as the ledger records it (a reservation is negative). */
  amount: number;
  generationId: string | null;
  /** When the change was published (ISO). */
  timestamp: string;
};

const generationTopic = (id: string) => `generation:${id}`;
const creditsTopic = (tenantId: string, holder: string) => `credits:${tenantId}:${holder}`;
const boardTopic = (id: string) => `board:${id}`;
const accessTopic = (boardId: string) => `board-access:${boardId}`;
const TENANTS_TOPIC = "tenants";

export function toSnapshot(g: Generation): GenerationSnapshot {
  return {
    ...g,
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
    startedAt: g.startedAt?.toISOString() ?? null,
    completedAt: g.completedAt?.toISOString() ?? null,
  };
}

export function fromSnapshot(s: GenerationSnapshot): Generation {
  return {
    ...s,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
    startedAt: s.startedAt ? new Date(s.startedAt) : null,
    completedAt: s.completedAt ? new Date(s.completedAt) : null,
  };
}

export const TERMINAL_STATUSES = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

/**
 * An active subscription: iterate `events`; `close()` ends it. `interrupted()` tells whether it
 * ended because the bus went away (events may have been missed) rather than by `close()`.
 */
export type EventSubscription<T = GenerationEvent> = { events: AsyncIterableIterator<T>; close: () => void; interrupted: () => boolean };

/** Unbounded FIFO bridging push callbacks to an async iterator. */
class EventQueue<T> {
  private readonly buffered: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private ended = false;

  push(event: T) {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: event, done: false });
    } else {
      this.buffered.push(event);
    }
  }

  end() {
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  iterate(onReturn: () => void): AsyncIterableIterator<T> {
    const next = (): Promise<IteratorResult<T>> => {
      const event = this.buffered.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (this.ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (this.waiting = resolve));
    };
    const iterator: AsyncIterableIterator<T> = {
      next,
      return: async () => {
        onReturn();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

/** Publish/subscribe for generation events and credit changes. */
export class EventBus {
  private open = 0;
  private closed = false;
  /** Ends the open subscriptions as interrupted. */
  private readonly interrupters = new Set<() => void>();
  /** Whether the last publish failed (logged once per outage, not per event). */
  private publishFailing = false;

  private constructor(
    private readonly engine: PubSubEngine,
    private readonly closeEngine: () => Promise<void>,
    /** Whether events cross process boundaries. */
    readonly distributed: boolean,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Redis-backed when `redisUrl` is given (each Redis command bounded by `commandTimeoutMs`),
   * in-process otherwise.
   */
  static create(redisUrl: string | undefined, options: { logger?: Logger; commandTimeoutMs?: number } = {}): EventBus {
    if (!redisUrl) {
      const local = new PubSub();
      return new EventBus(local, async () => undefined, false, options.logger);
    }
    const redis = new RedisChannels(redisUrl, options.commandTimeoutMs ?? 2000);
    const bus = new EventBus(redis, () => redis.close(), true, options.logger);
    redis.onInterrupted(() => bus.interruptAll());
    return bus;
  }

  /**
   * Whether events flow right now (always, in-process). Readiness reports it: a process whose
   * bus is down serves no live updates, and its subscriptions end at once as interrupted.
   */
  live(): boolean {
    return this.engine instanceof RedisChannels ? this.engine.live() : true;
  }

  /** Publishes a change of `generation` to its own topic and its board's topic; never throws. */
  async publish(generation: Generation, phase: string, message: string | null = null): Promise<void> {
    const event: GenerationEvent = { generation: toSnapshot(generation), phase, message, timestamp: new Date().toISOString() };
    await this.deliver([
      [generationTopic(generation.id), event],
      [boardTopic(generation.boardId), event],
    ]);
  }

  /**
   * Tells the live streams of a board that who may read it changed (a member removed, the
   * board made private or deleted), so each checks its subscriber's access again. Never throws:
   * streams open through an outage of the bus are ended by it, and new ones check access anew.
   */
  async publishAccessChange(boardId: string): Promise<void> {
    await this.deliver([[accessTopic(boardId), { boardId }]]);
  }

  /**
   * Tells every process that a tenant was renamed or deleted, so the tenant ids they keep for
   * anonymous requests (auth/tenantDirectory.ts) are dropped; never throws.
   */
  async publishTenantChange(tenantId: string): Promise<void> {
    await this.deliver([[TENANTS_TOPIC, { tenantId }]]);
  }

  /**
   * Listens to tenant changes for as long as the process wants (this is not a client's
   * subscription: it is not counted by activeSubscriptions). Resolves with a function that stops
   * listening, or undefined when the bus is unreachable; `onLost` is called if the bus drops the
   * listener later (changes may have been missed from then on).
   */
  async watchTenantChanges(onChange: () => void, onLost: () => void): Promise<(() => void) | undefined> {
    if (this.closed) return undefined;
    const lost = () => {
      this.interrupters.delete(lost);
      onLost();
    };
    this.interrupters.add(lost);
    try {
      const id = await this.engine.subscribe(TENANTS_TOPIC, () => onChange(), {});
      return () => {
        this.interrupters.delete(lost);
        if (!this.closed) this.engine.unsubscribe(id);
      };
    } catch {
      this.interrupters.delete(lost);
      return undefined;
    }
  }

  /** Publishes a change of a credit account to the account's topic; never throws. */
  async publishCreditChange(change: Omit<CreditChange, "timestamp">): Promise<void> {
    const event: CreditChange = { ...change, timestamp: new Date().toISOString() };
    await this.deliver([[creditsTopic(change.tenantId, change.holder), event]]);
  }

  private async deliver(messages: Array<[string, unknown]>): Promise<void> {
    const timer = eventBusPublishDuration.startTimer();
    try {
      await Promise.all(messages.map(([topic, payload]) => this.engine.publish(topic, payload)));
      timer();
      if (this.publishFailing) this.logger?.info("event bus reachable again; publishing resumed");
      this.publishFailing = false;
    } catch (err) {
      eventBusPublishFailures.inc();
      if (!this.publishFailing) this.logger?.warn({ err }, "event bus unreachable; events are dropped until it returns (the database has every change)");
      this.publishFailing = true;
    }
  }

  /**
   * Subscribes to the events of one generation (`generation`) or of every generation on a
   * board (`board`), and with `watch` to the access changes of the board they belong to.
   * Resolves once the subscription is active, so nothing published after that is missed; call
   * `close()` (or end the iteration) to unsubscribe. When the bus is unreachable, resolves with
   * a subscription that has already ended, interrupted.
   */
  subscribe(kind: "generation" | "board", id: string, watch?: { boardId: string; onAccessChange: () => void }): Promise<EventSubscription> {
    return this.openTopic<GenerationEvent>(kind === "generation" ? generationTopic(id) : boardTopic(id), watch);
  }

  /** Subscribes to the changes of one credit account, as {@link subscribe} does to a generation's. */
  subscribeCredits(tenantId: string, holder: string): Promise<EventSubscription<CreditChange>> {
    return this.openTopic<CreditChange>(creditsTopic(tenantId, holder));
  }

  private async openTopic<T>(topic: string, watch?: { boardId: string; onAccessChange: () => void }): Promise<EventSubscription<T>> {
    const queue = new EventQueue<T>();
    const ids: number[] = [];
    let interrupted = false;
    let closed = false;
    const interrupt = () => {
      interrupted = true;
      close();
    };
    const close = () => {
      if (closed) return;
      closed = true;
      this.open -= 1;
      this.interrupters.delete(interrupt);
      // After the bus closed or was lost, its subscriptions are gone: there is nothing to undo.
      if (!this.closed && !interrupted) for (const subscriptionId of ids) this.engine.unsubscribe(subscriptionId);
      queue.end();
    };
    this.open += 1;
    this.interrupters.add(interrupt);
    try {
      ids.push(await this.engine.subscribe(topic, (event: T) => queue.push(event), {}));
      if (watch) ids.push(await this.engine.subscribe(accessTopic(watch.boardId), () => watch.onAccessChange(), {}));
    } catch (err) {
      // Half a subscription would stay registered forever: undo what succeeded.
      for (const subscriptionId of ids) this.engine.unsubscribe(subscriptionId);
      ids.length = 0;
      this.logger?.warn({ err: err instanceof Error ? err.message : String(err), topic }, "could not subscribe to the event bus");
      interrupt();
    }
    return { events: queue.iterate(close), close, interrupted: () => interrupted };
  }

  private interruptAll(): void {
    for (const interrupt of [...this.interrupters]) interrupt();
  }

  /** Subscriptions currently open in this process (for diagnostics and tests). */
  activeSubscriptions(): number {
    return this.open;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.closeEngine();
  }
}
