import type pg from "pg";

/**
 * Counts SQL statements sent through a pg pool while `run` executes. Prisma's driver adapter
 * sends every non-transactional statement through `pool.query`, so this sees each one.
 */
export async function countStatements(pool: pg.Pool, run: () => Promise<unknown>): Promise<number> {
  const original = pool.query;
  let count = 0;
  const counting = function (this: pg.Pool, ...args: unknown[]) {
    count += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pool.query = counting as typeof pool.query;
  try {
    await run();
  } finally {
    pool.query = original;
  }
  return count;
}
