/**
 * Runs the worker entry point (`src/worker.ts`) as a child process with fast liveness timings,
 * so tests can kill it (SIGKILL) or stop it (SIGTERM) in the middle of a job.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { TEST_JWT_SECRET, type TestServer } from "./server.js";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

export type WorkerLogLine = { msg?: string; level?: number; [key: string]: unknown };

export type WorkerProcess = {
  child: ChildProcess;
  pid: number;
  /** `process` column of this worker's heartbeat rows. */
  heartbeatProcess: string;
  logs: WorkerLogLine[];
  /** Non-JSON output, for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs it if still running (cleanup). */
  kill(): void;
};

/**
 * Environment of a worker process sharing `server`'s database and storage directory (pass
 * BOARDS_STORAGE_LOCAL_BASE_PATH to the server so the directory outlives it).
 */
export function workerEnvFor(server: TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BOARDS_ENVIRONMENT: "test",
    BOARDS_DATABASE_URL: server.env.databaseUrl,
    BOARDS_DATABASE_POOL_SIZE: "3",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: "info",
    BOARDS_STORAGE_LOCAL_BASE_PATH: server.env.storage.localBasePath,
    BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: server.env.storage.localPublicUrlBase,
    BOARDS_WORKER_CONCURRENCY: "2",
    BOARDS_WORKER_POLL_INTERVAL_MS: "200",
    BOARDS_WORKER_HEARTBEAT_SECONDS: "0.5",
    BOARDS_WORKER_DEAD_AFTER_SECONDS: "3",
    BOARDS_WORKER_CANCEL_CHECK_MS: "500",
    BOARDS_JOB_MAX_ATTEMPTS: String(server.env.worker.maxAttempts),
    ...(server.env.generatorsConfigPath ? { BOARDS_GENERATORS_CONFIG_PATH: server.env.generatorsConfigPath } : {}),
    ...extra,
  };
}

export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("BOARDS_") && !["DATABASE_URL", "REDIS_URL", "NODE_OPTIONS"].includes(key)),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "src/worker.ts"], {
    cwd: projectRoot,
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: WorkerLogLine[] = [];
  const raw: string[] = [];
  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        logs.push(JSON.parse(text) as WorkerLogLine);
      } catch {
        raw.push(text);
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => raw.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  if (child.pid === undefined) throw new Error("could not start the worker process");
  return {
    child,
    pid: child.pid,
    heartbeatProcess: `${hostname()}:${child.pid}`,
    logs,
    output: () => [...raw, ...logs.map((l) => JSON.stringify(l))].join("\n"),
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
