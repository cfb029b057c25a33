/**
 * Runs the worker entry point (`src/worker.ts`) as a child process with fast liveness timings,
 * so tests can kill it (SIGKILL) or stop it (SIGTERM) in the middle of a job.
 */
import { hostname } from "node:os";
import { localStorageDir, localStorageOf } from "./launch.js";
import { startMainProcess, type MainProcess } from "./mainProcess.js";
import { TEST_JWT_SECRET, type TestServer } from "./server.js";

export type WorkerProcess = MainProcess & {
  pid: number;
  /** `process` column of this worker's heartbeat rows. */
  heartbeatProcess: string;
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
    BOARDS_STORAGE_LOCAL_BASE_PATH: localStorageDir(server.env),
    BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: localStorageOf(server.env).publicUrlBase,
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
  const worker = startMainProcess(env, "src/worker.ts");
  const pid = worker.child.pid;
  if (pid === undefined) throw new Error("could not start the worker process");
  return { ...worker, pid, heartbeatProcess: `${hostname()}:${pid}` };
}
