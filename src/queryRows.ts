/**
 * Raw statements on the hot paths (the viewer lookup, rows by id, the submit insert), sent
 * straight to the pg pool behind a Prisma client. Prisma's `$queryRaw` costs about 0.35 ms of
 * CPU per statement in its request pipeline, several times what the pg driver needs for the
 * same round trip (`npm run bench jobs`, the submit path, shows the difference).
 *
 * Rows come back exactly as `$queryRaw` returns them for the column types our tables use —
 * numeric as Prisma.Decimal, int8 as bigint, timestamps as Date, JSON parsed — so callers may
 * switch between the two; tests/queryRows.test.ts holds them equal. A transaction client has no
 * pool of its own here: it gets `$queryRaw`, so the statement stays inside its transaction.
 */
import pg from "pg";
import { poolBehind, type PrismaClient } from "./db.js";
import { Prisma } from "./generated/prisma/client.js";
import { tracingActive, withSpan } from "./tracing/spans.js";

const NUMERIC_OID = 1700;
const INT8_OID = 20;

/** pg's parsers, except numeric and int8, which become what Prisma's raw queries return. */
const prismaLikeTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === NUMERIC_OID) return (value: string) => new Prisma.Decimal(value);
    if (oid === INT8_OID) return (value: string) => BigInt(value);
    return format === "binary" ? pg.types.getTypeParser(oid, "binary") : pg.types.getTypeParser(oid, "text");
  },
} as pg.CustomTypesConfig;

/** Runs `query` and returns its rows (see the module's header). */
export async function queryRows<T>(db: PrismaClient | Prisma.TransactionClient, query: Prisma.Sql): Promise<T[]> {
  const pool = poolBehind(db);
  if (!pool) return db.$queryRaw<T[]>(query);
  const send = async () => (await pool.query({ text: query.text, values: query.values, types: prismaLikeTypes })).rows as T[];
  if (!tracingActive()) return send();
  // Named and described as Prisma's own statement spans are, so a trace reads the same either way.
  return withSpan("db.query", { kind: "client", attributes: { "db.system.name": "postgresql", "db.query.text": query.text } }, send);
}
