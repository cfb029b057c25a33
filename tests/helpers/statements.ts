import type pg from "pg";

type Query = (...args: unknown[]) => unknown;

/**
 * Counts SQL statements sent through a pg pool while `run` executes: every `query` on every
 * client the pool hands out during the run — `pool.query` (which checks out a client for each
 * statement) as well as statements on a client checked out with `pool.connect()`, which is how
 * Prisma's driver adapter runs transactions (BEGIN, each statement, COMMIT all count).
 */
export async function countStatements(pool: pg.Pool, run: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const wrapped = new Set<pg.PoolClient>();
  const onAcquire = (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const original = client.query as unknown as Query;
    const counting: Query = function (this: pg.PoolClient, ...args) {
      count += 1;
      return original.apply(this, args);
    };
    // An own property shadows the prototype's method; deleting it restores the client.
    (client as unknown as { query: Query }).query = counting;
  };
  pool.on("acquire", onAcquire);
  try {
    await run();
  } finally {
    pool.off("acquire", onAcquire);
    for (const client of wrapped) delete (client as unknown as { query?: Query }).query;
  }
  return count;
}
