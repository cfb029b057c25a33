import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";

export type { PrismaClient };

/** One pg pool per process, shared by Prisma (and later by the job queue). */
export function createPool(connectionString: string, max: number): pg.Pool {
  return new pg.Pool({ connectionString, max });
}

/** Prisma client on the driver adapter: no native query engine, same pool as everything else. */
export function createPrisma(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}
