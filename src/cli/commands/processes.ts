/**
 * `boards serve` and `boards worker`: the compiled API (dist/src/main.js) and worker
 * (dist/src/worker.js), run in this process so signals reach them directly. From a checkout the
 * build is brought up to date first, as `npm start` does; neither migrates (`boards migrate`).
 */
import { pathToFileURL } from "node:url";
import { buildIfChanged, compiledEntry } from "../build.js";
import { usageError } from "../CliError.js";

const progress = (line: string) => process.stderr.write(`boards: ${line}\n`);

async function runCompiled(entry: "main" | "worker"): Promise<void> {
  await buildIfChanged(process.env, progress);
  await import(pathToFileURL(compiledEntry(entry)).href);
}

/** Serves the API (with the in-process worker unless BOARDS_WORKER_IN_PROCESS=false). */
export function serve(): Promise<void> {
  return runCompiled("main");
}

/** Runs a job worker; `concurrency` overrides BOARDS_WORKER_CONCURRENCY. */
export function worker(options: { concurrency?: string }): Promise<void> {
  if (options.concurrency !== undefined) {
    const n = Number(options.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw usageError(`--concurrency must be an integer from 1 to 100 (got '${options.concurrency}')`);
    // The worker reads its configuration from the environment, as it does when run alone.
    process.env.BOARDS_WORKER_CONCURRENCY = String(n);
  }
  return runCompiled("worker");
}
