/**
 * The server side of `npm run bench jobs`' cross-process figures, in a process of its own as in a
 * deployment: `boards` runs the API with its in-process worker (as `npm start` does), `bare` runs
 * graphile-worker alone with a no-op task. Prints JSON lines: `{"ready": …}` once serving, then
 * `{"start": <job payload id>, "at": <ns>}` and `{"complete": …}` per job. `at` is
 * process.hrtime (the system's monotonic clock), which the benchmark compares with its own.
 *
 *   node --import tsx bench/jobsProcess.ts boards|bare   (BENCH_DATABASE_URL, BENCH_STORAGE_DIR)
 */
import type { Job } from "graphile-worker";
import { runBareWorker } from "./bareWorker.js";
import { createPool } from "../src/db.js";
import { launchServer } from "../tests/helpers/launch.js";

const mode = process.argv[2];
const databaseUrl = process.env.BENCH_DATABASE_URL!;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const idOf = (job: Job) => {
  const payload = job.payload as { generationId?: string; id?: string };
  return payload.generationId ?? payload.id;
};

function report(events: NodeJS.EventEmitter) {
  events.on("job:start", ({ job }: { job: Job }) => say({ start: idOf(job), at: String(process.hrtime.bigint()) }));
  events.on("job:complete", ({ job }: { job: Job }) => say({ complete: idOf(job) }));
}

if (mode === "boards") {
  const server = await launchServer(databaseUrl, { BOARDS_LOG_LEVEL: "silent", BOARDS_STORAGE_LOCAL_BASE_PATH: process.env.BENCH_STORAGE_DIR! }, { worker: true });
  report(server.worker!.runner.events);
  say({ ready: server.url });
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
} else if (mode === "bare") {
  const pool = createPool(databaseUrl, 6);
  const runner = await runBareWorker(pool, async () => undefined);
  report(runner.events);
  say({ ready: true });
  process.on("SIGTERM", () => void runner.stop().then(() => pool.end()).then(() => process.exit(0)));
} else {
  throw new Error("usage: jobsProcess.ts boards|bare");
}
