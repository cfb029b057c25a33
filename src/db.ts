import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";

export type { PrismaClient };

/**
 * A pg pool. An idle client that errors (the server restarted, the network blipped) is dropped
 * by pg and the next query reports the problem; without a listener the error would crash the
 * process instead.
 */
export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

const pools = new WeakMap<object, pg.Pool>();

/** Prisma client on the driver adapter: no native query engine, same pool as everything else. */
export function createPrisma(pool: pg.Pool): PrismaClient {
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  pools.set(prisma, pool);
  return prisma;
}

/** The pool a client made by createPrisma sends its statements to (none for a transaction client). */
export function poolBehind(client: object): pg.Pool | undefined {
  return pools.get(client);
}
