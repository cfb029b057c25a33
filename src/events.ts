/**
 * Generation events between processes. Every state change of a generation is written to its
 * row first, then published here: on Redis (so API and worker processes, any number of each,
 * share one bus) when BOARDS_REDIS_URL / REDIS_URL is set, in-process otherwise.
 *
 * Events carry a snapshot of the row (JSON-safe, dates as ISO strings), so a subscriber can
 * answer without reading the database again.
 */
import { RedisPubSub } from "graphql-redis-subscriptions";
import { PubSub, type PubSubEngine } from "graphql-subscriptions";
import { Redis } from "ioredis";
import type { Generation } from "./generated/prisma/client.js";

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

const generationTopic = (id: string) => `generation:${id}`;
const boardTopic = (id: string) => `board:${id}`;
const accessTopic = (boardId: string) => `board-access:${boardId}`;

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

/** An active subscription: iterate `events`; `close()` ends it. */
export type EventSubscription = { events: AsyncIterableIterator<GenerationEvent>; close: () => void };

/** Unbounded FIFO bridging push callbacks to an async iterator. */
class EventQueue {
  private readonly buffered: GenerationEvent[] = [];
  private waiting: ((result: IteratorResult<GenerationEvent>) => void) | null = null;
  private ended = false;

  push(event: GenerationEvent) {
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

  iterate(onReturn: () => void): AsyncIterableIterator<GenerationEvent> {
    const next = (): Promise<IteratorResult<GenerationEvent>> => {
      const event = this.buffered.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (this.ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (this.waiting = resolve));
    };
    const iterator: AsyncIterableIterator<GenerationEvent> = {
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

/** Publish/subscribe for generation events. */
export class EventBus {
  private open = 0;
  private closed = false;

  private constructor(
    private readonly engine: PubSubEngine,
    private readonly closeEngine: () => Promise<void>,
    /** Whether events cross process boundaries. */
    readonly distributed: boolean,
  ) {}

  /** Redis-backed when `redisUrl` is given, in-process otherwise. */
  static create(redisUrl: string | undefined): EventBus {
    if (!redisUrl) {
      const local = new PubSub();
      return new EventBus(local, async () => undefined, false);
    }
    const options = { maxRetriesPerRequest: null, enableOfflineQueue: true };
    const publisher = new Redis(redisUrl, options);
    const subscriber = new Redis(redisUrl, options);
    // Connection problems are retried by ioredis; logging them per attempt would flood the log.
    publisher.on("error", () => undefined);
    subscriber.on("error", () => undefined);
    const redis = new RedisPubSub({ publisher, subscriber });
    return new EventBus(redis, async () => void (await redis.close()), true);
  }

  /** Publishes a change of `generation` to its own topic and its board's topic. */
  async publish(generation: Generation, phase: string, message: string | null = null): Promise<void> {
    const event: GenerationEvent = { generation: toSnapshot(generation), phase, message, timestamp: new Date().toISOString() };
    await Promise.all([
      this.engine.publish(generationTopic(generation.id), event),
      this.engine.publish(boardTopic(generation.boardId), event),
    ]);
  }

  /**
   * Tells the live streams of a board that who may read it changed (a member removed, the
   * board made private or deleted), so each checks its subscriber's access again.
   */
  async publishAccessChange(boardId: string): Promise<void> {
    await this.engine.publish(accessTopic(boardId), { boardId });
  }

  /**
   * Subscribes to the events of one generation (`generation`) or of every generation on a
   * board (`board`), and with `watch` to the access changes of the board they belong to.
   * Resolves once the subscription is active, so nothing published after that is missed; call
   * `close()` (or end the iteration) to unsubscribe.
   */
  async subscribe(kind: "generation" | "board", id: string, watch?: { boardId: string; onAccessChange: () => void }): Promise<EventSubscription> {
    const queue = new EventQueue();
    const topic = kind === "generation" ? generationTopic(id) : boardTopic(id);
    const ids: number[] = [];
    try {
      ids.push(await this.engine.subscribe(topic, (event: GenerationEvent) => queue.push(event), {}));
      if (watch) ids.push(await this.engine.subscribe(accessTopic(watch.boardId), () => watch.onAccessChange(), {}));
    } catch (error) {
      // Half a subscription would stay registered forever: undo what succeeded.
      for (const subscriptionId of ids) this.engine.unsubscribe(subscriptionId);
      throw error;
    }
    this.open += 1;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.open -= 1;
      // After the bus closed, Redis is gone: unsubscribing would only fail, unobserved.
      if (!this.closed) for (const subscriptionId of ids) this.engine.unsubscribe(subscriptionId);
      queue.end();
    };
    return { events: queue.iterate(close), close };
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
