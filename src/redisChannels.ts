/**
 * Redis publish/subscribe for the event bus, built so that Redis being away never blocks the
 * caller: no offline queue (a command while disconnected fails at once), every command bounded
 * by a timeout, and no silent resubscription after a reconnect. Instead, losing the subscriber
 * connection is announced (`onInterrupted`): every subscription it carried is gone, and the
 * event bus ends them so their readers learn of it and can start over from the database.
 */
import { PubSubEngine } from "graphql-subscriptions";
import { Redis, type RedisOptions } from "ioredis";

type Listener = (message: unknown) => void;

/** Waits for a client's first connection at most this long (a process starting with Redis). */
function firstReady(client: Redis, timeoutMs: number, everReady: () => boolean): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  // After the first connection, a disconnected client fails fast instead of making callers wait.
  if (everReady()) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once("ready", onReady);
  });
}

export class RedisChannels extends PubSubEngine {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** The channels the subscriber connection is on: their listeners, and their SUBSCRIBE's answer. */
  private readonly channels = new Map<string, { listeners: Map<number, Listener>; subscribed: Promise<unknown> }>();
  private readonly channelOf = new Map<number, string>();
  private readonly interruptListeners = new Set<() => void>();
  private nextId = 1;
  /** Counts lost subscriber connections; a subscription begun before a loss is void. */
  private epoch = 0;
  private publisherEverReady = false;
  private subscriberEverReady = false;

  /** `commandTimeoutMs` bounds every Redis command (publish, subscribe). */
  constructor(
    url: string,
    private readonly commandTimeoutMs: number,
  ) {
    super();
    const options: RedisOptions = {
      enableOfflineQueue: false,
      commandTimeout: commandTimeoutMs,
      // Commands in flight when the connection drops fail with it, instead of being replayed later.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
    };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    // Connection problems are retried by ioredis and reported through publish failures and
    // interruptions; logging every attempt would flood the log.
    this.publisher.on("error", () => undefined);
    this.subscriber.on("error", () => undefined);
    this.publisher.on("ready", () => (this.publisherEverReady = true));
    this.subscriber.on("ready", () => (this.subscriberEverReady = true));
    this.subscriber.on("message", (channel: string, message: string) => this.dispatch(channel, message));
    const lost = () => this.connectionLost();
    this.subscriber.on("close", lost);
    this.subscriber.on("end", lost);
  }

  private connected(): boolean {
    return this.subscriber.status === "ready";
  }

  /** Whether both connections are up: events can be published and received right now. */
  live(): boolean {
    return this.publisher.status === "ready" && this.subscriber.status === "ready";
  }

  /** Calls `listener` whenever the subscriber connection is lost (every subscription with it). */
  onInterrupted(listener: () => void): void {
    this.interruptListeners.add(listener);
  }

  /** Publishes `payload` as JSON; fails (at once when disconnected, else within the timeout). */
  async publish(channel: string, payload: unknown): Promise<void> {
    if (!(await firstReady(this.publisher, this.commandTimeoutMs, () => this.publisherEverReady))) {
      throw new Error("Redis is not connected");
    }
    await this.publisher.publish(channel, JSON.stringify(payload));
  }

  /**
   * Listens to `channel`; resolves with an id for {@link unsubscribe} once Redis confirmed it.
   * @throws when Redis is not connected, does not answer in time, or the connection was lost meanwhile.
   */
  async subscribe(channel: string, onMessage: Listener): Promise<number> {
    if (!(await firstReady(this.subscriber, this.commandTimeoutMs, () => this.subscriberEverReady))) {
      throw new Error("Redis is not connected");
    }
    const epoch = this.epoch;
    const id = this.nextId++;
    let entry = this.channels.get(channel);
    if (!entry) {
      // Later subscribers of the channel wait for the same SUBSCRIBE.
      entry = { listeners: new Map(), subscribed: this.subscriber.subscribe(channel) };
      entry.subscribed.catch(() => undefined);
      this.channels.set(channel, entry);
    }
    entry.listeners.set(id, onMessage);
    this.channelOf.set(id, channel);
    try {
      await entry.subscribed;
    } catch (error) {
      // A failed SUBSCRIBE is not reused by later subscribers.
      if (this.channels.get(channel) === entry) this.channels.delete(channel);
      this.unsubscribe(id);
      throw error;
    }
    if (epoch !== this.epoch) {
      this.unsubscribe(id);
      throw new Error("Redis connection was lost while subscribing");
    }
    return id;
  }

  unsubscribe(id: number): void {
    const channel = this.channelOf.get(id);
    if (channel === undefined) return;
    this.channelOf.delete(id);
    const entry = this.channels.get(channel);
    entry?.listeners.delete(id);
    if (entry && entry.listeners.size === 0) {
      this.channels.delete(channel);
      // Disconnected, there is nothing to leave: the connection's subscriptions went with it.
      if (this.connected()) this.subscriber.unsubscribe(channel).catch(() => undefined);
    }
  }

  private dispatch(channel: string, message: string): void {
    const listeners = this.channels.get(channel)?.listeners;
    if (!listeners?.size) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    for (const listener of [...listeners.values()]) listener(parsed);
  }

  private connectionLost(): void {
    this.epoch += 1;
    this.channels.clear();
    this.channelOf.clear();
    for (const listener of this.interruptListeners) listener();
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher.quit().catch(() => undefined), this.subscriber.quit().catch(() => undefined)]);
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
