/**
 * `boards_job_queue_depth{task}` and `boards_job_queue_oldest_age_seconds{task}`, read from
 * graphile-worker's tables when scraped. The same numbers come from every process watching the
 * database (aggregate with max, not sum).
 *
 * One statement on graphile-worker's (0.18) `_private_jobs` / `_private_tasks`: jobs that are
 * available (`is_available`: not locked, attempts left, which its partial index covers) and due
 * (`run_at` passed); every known task gets a row, 0 when none waits. Its cost is capped by a
 * statement timeout, and its answer is shared for a second so parallel scrapes (several
 * Prometheus replicas) run it once.
 */
import type pg from "pg";
import { Gauge } from "prom-client";
import { registry } from "./metrics.js";

const CACHE_MS = 1000;
const STATEMENT_TIMEOUT_MS = 2000;

const QUEUE_SQL = `
BEGIN READ ONLY;
SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS};
SELECT t.identifier AS task,
       count(j.id)::int AS depth,
       COALESCE(EXTRACT(EPOCH FROM now() - min(j.run_at)), 0)::float8 AS oldest
  FROM graphile_worker._private_tasks t
  LEFT JOIN graphile_worker._private_jobs j ON j.task_id = t.id AND j.is_available AND j.run_at <= now()
 GROUP BY t.identifier;
COMMIT;`;

type QueueRow = { task: string; depth: number; oldest: number };

let pool: pg.Pool | undefined;
let cached: { at: number; rows: Promise<QueueRow[]> } | undefined;

async function query(source: pg.Pool): Promise<QueueRow[]> {
  const client = await source.connect();
  try {
    const results = (await client.query(QUEUE_SQL)) as unknown as pg.QueryResult[];
    return results[2]!.rows as QueueRow[];
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The queue's state, at most CACHE_MS old; empty when the database does not answer. */
function queueRows(): Promise<QueueRow[]> {
  const source = pool;
  if (!source) return Promise.resolve([]);
  const now = Date.now();
  if (!cached || now - cached.at > CACHE_MS) {
    cached = { at: now, rows: query(source).catch(() => []) };
  }
  return cached.rows;
}

new Gauge({
  name: "boards_job_queue_depth",
  help: "Jobs waiting to run now (not locked, due, attempts left), by task; read at scrape time.",
  labelNames: ["task"] as const,
  registers: [registry],
  async collect() {
    const rows = await queueRows();
    this.reset();
    for (const row of rows) this.set({ task: row.task }, row.depth);
  },
});

new Gauge({
  name: "boards_job_queue_oldest_age_seconds",
  help: "How long the oldest job waiting to run has been due, by task (0 when none waits); read at scrape time.",
  labelNames: ["task"] as const,
  registers: [registry],
  async collect() {
    const rows = await queueRows();
    this.reset();
    for (const row of rows) this.set({ task: row.task }, row.oldest);
  },
});

/**
 * Reads the queue gauges from `source` from now on (the last process-wide pool given wins).
 * @returns a function that stops reading from it.
 */
export function watchJobQueue(source: pg.Pool): () => void {
  pool = source;
  cached = undefined;
  return () => {
    if (pool !== source) return;
    pool = undefined;
    cached = undefined;
  };
}
