import type pg from "pg";

type Query = (...args: unknown[]) => unknown;

/**
 * Calls `wrap` around every statement sent through a pg pool while `run` executes: every `query`
 * on every client the pool hands out during the run — `pool.query` (which checks out a client
 * for each statement) as well as statements on a client checked out with `pool.connect()`, which
 * is how Prisma's driver adapter runs transactions (BEGIN, each statement, COMMIT all count).
 */
async function watchStatements(pool: pg.Pool, run: () => Promise<unknown>, wrap: (send: Query, args: unknown[]) => unknown): Promise<void> {
  const wrapped = new Set<pg.PoolClient>();
  const onAcquire = (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const original = client.query as unknown as Query;
    const watching: Query = function (this: pg.PoolClient, ...args) {
      return wrap((...a) => original.apply(this, a), args);
    };
    // An own property shadows the prototype's method; deleting it restores the client.
    (client as unknown as { query: Query }).query = watching;
  };
  pool.on("acquire", onAcquire);
  try {
    await run();
  } finally {
    pool.off("acquire", onAcquire);
    for (const client of wrapped) delete (client as unknown as { query?: Query }).query;
  }
}

/** Counts the SQL statements sent through a pg pool while `run` executes (see watchStatements). */
export async function countStatements(pool: pg.Pool, run: () => Promise<unknown>): Promise<number> {
  let count = 0;
  await watchStatements(pool, run, (send, args) => {
    count += 1;
    return send(...args);
  });
  return count;
}

/** The milliseconds each statement sent through a pg pool took while `run` executed. */
export async function statementTimes(pool: pg.Pool, run: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  await watchStatements(pool, run, (send, args) => {
    const start = performance.now();
    const done = () => void times.push(performance.now() - start);
    // pool.query passes a callback; Prisma's adapter awaits the promise.
    const callback = args.at(-1);
    if (typeof callback === "function") {
      return send(...args.slice(0, -1), (...results: unknown[]) => {
        done();
        return (callback as (...r: unknown[]) => unknown)(...results);
      });
    }
    const result = send(...args) as Promise<unknown>;
    result.then(done, () => undefined);
    return result;
  });
  return times;
}
