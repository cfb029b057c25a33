/**
 * Runs a real entry point (`src/main.ts`, or `src/worker.ts`, or any command) as a child process,
 * reading its JSON log lines, so tests and benchmarks can exercise processes exactly as deployed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

export type LogLine = { msg?: string; level?: number; [key: string]: unknown };

export type MainProcess = {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: LogLine[];
  /** Non-JSON output (stderr and stray stdout), for failure messages. */
  output(): string;
  /** Resolves with the first log line (past or future) matching `predicate`; rejects if the process exits first. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process if it is still running (cleanup after a failed test). */
  kill(): void;
};

/** Environment of the child: the parent's, minus any configuration of its own, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("BOARDS_") && !["DATABASE_URL", "REDIS_URL", "NODE_OPTIONS"].includes(key)),
  );
  return { ...inherited, ...env };
}

/** `cwd` other than the project's: `entry` must then be an absolute path. */
export function startMainProcess(env: Record<string, string>, entry = "src/main.ts", cwd = projectRoot): MainProcess {
  // Resolved from the project, since a bare `tsx` would be looked up from `cwd`.
  const loader = cwd === projectRoot ? "tsx" : pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;
  return startCommand([process.execPath, "--import", loader, entry], env, cwd);
}

/**
 * Runs `argv` (a command as an image runs it, e.g. `["node", "dist/src/worker.js"]`; `node` is
 * this Node) in the project directory, with the same log reading as {@link startMainProcess}.
 */
export function startCommand(argv: readonly string[], env: Record<string, string>, cwd = projectRoot): MainProcess {
  const [command = "", ...args] = argv;
  const child = spawn(command === "node" ? process.execPath : command, args, {
    cwd,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const raw: string[] = [];
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitListeners: Array<() => void> = [];

  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        raw.push(text);
        continue;
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => raw.push(chunk));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      exitInfo = { code, signal };
      for (const listener of exitListeners) listener();
      resolve(exitInfo);
    });
  });

  const output = () => raw.join("\n");

  return {
    child,
    logs,
    output,
    exited,
    waitForLog(predicate) {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        if (exitInfo) {
          reject(new Error(`process exited (${JSON.stringify(exitInfo)}) before the expected log line:\n${output()}`));
          return;
        }
        waiters.push({ predicate, resolve });
        exitListeners.push(() =>
          reject(new Error(`process exited (${JSON.stringify(exitInfo)}) before the expected log line:\n${output()}`)),
        );
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
