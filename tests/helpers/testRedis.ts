/**
 * The Redis of a test run, chosen once by the global setup:
 *
 * 1. `BOARDS_TEST_REDIS_URL` when set;
 * 2. else database 15 of the Redis on 127.0.0.1:6379 when it answers PING (CI, development);
 * 3. else a `redis-server` started for the run (`BOARDS_TEST_REDIS_SERVER`, else the PATH's), on a
 *    free port, nothing persisted, stopped when the run ends;
 * 4. else none: suites that need Redis are skipped and say why (the server itself runs without
 *    Redis, on its in-process event bus).
 */
import { connect } from "node:net";
import { displayUrl } from "../../scripts/displayUrl.js";
import { redisServerBinary, startPrivateRedis } from "./redisServer.js";

export type RunRedis = {
  /** Null when the run has no Redis. */
  url: string | null;
  /** Without Redis: why there is none (it goes into the titles of the skipped suites). */
  missing: string | null;
  /** One line for the run's output: which Redis, and why. */
  description: string;
  /** Stops the Redis if the run started it. */
  stop(): Promise<void>;
};

/** Whether a Redis answers PING on 127.0.0.1:`port` within a second. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("utf8");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}

const nothingToStop = async () => undefined;

/** Picks (or starts) the run's Redis. */
export async function testRedis(): Promise<RunRedis> {
  const configured = process.env.BOARDS_TEST_REDIS_URL;
  if (configured) return { url: configured, missing: null, description: `${displayUrl(configured)} (BOARDS_TEST_REDIS_URL)`, stop: nothingToStop };

  if (await answersPing(6379)) {
    return { url: "redis://127.0.0.1:6379/15", missing: null, description: "database 15 of the Redis on 127.0.0.1:6379", stop: nothingToStop };
  }

  const binary = redisServerBinary();
  if (binary.path !== null) {
    const redis = await startPrivateRedis(binary.path);
    // On Ctrl-C vitest exits without its teardown; the server must not outlive it.
    const onExit = () => void redis.dispose();
    process.once("exit", onExit);
    return {
      url: redis.url,
      missing: null,
      description: `${binary.path} started for this run on ${new URL(redis.url).host} (no Redis on 127.0.0.1:6379)`,
      stop: async () => {
        process.off("exit", onExit);
        await redis.dispose();
      },
    };
  }
  const missing = `no Redis on 127.0.0.1:6379 and ${binary.missing}`;
  return { url: null, missing, description: `none (${missing}): the suites that need Redis are skipped`, stop: nothingToStop };
}
