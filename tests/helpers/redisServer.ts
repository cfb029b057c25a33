/**
 * A Redis of its own (its own `redis-server` process on its own port, nothing persisted): for a
 * suite that stops and restarts it under running servers without touching the shared one, and
 * for the run itself when no Redis is running (see testRedis.ts).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { freePort } from "../../scripts/freePort.js";

export type PrivateRedis = {
  /** redis://127.0.0.1:<port> */
  url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good (idempotent). */
  dispose(): Promise<void>;
};

/** The redis-server binary to run, or why there is none (suites that need one skip then). */
export type RedisServerBinary = { path: string } | { path: null; missing: string };

/** `BOARDS_TEST_REDIS_SERVER` when set (it must be executable), else `redis-server` from the PATH. */
export function redisServerBinary(): RedisServerBinary {
  const named = process.env.BOARDS_TEST_REDIS_SERVER;
  if (named) {
    try {
      accessSync(named, constants.X_OK);
      return { path: named };
    } catch {
      return { path: null, missing: `BOARDS_TEST_REDIS_SERVER=${named} is not an executable file` };
    }
  }
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path ? { path } : { path: null, missing: "no redis-server binary on the PATH" };
}

/** Starts a private redis-server; `binary` is a path from {@link redisServerBinary}. */
export async function startPrivateRedis(binary: string): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      let output = "";
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`redis-server did not become ready on port ${port}:\n${output}`));
      }, 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`redis-server could not be started (${binary}): ${error.message}`));
      });
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });

  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await exited;
  };

  await launch();
  return { url: `redis://127.0.0.1:${port}`, stop, start: launch, dispose: stop };
}
