/**
 * queryRows sends a statement straight to the pool behind a Prisma client, and must return rows
 * exactly as Prisma's $queryRaw does for every column type our tables use; on a transaction
 * client it must stay inside the transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../src/generated/prisma/client.js";
import { queryRows } from "../src/queryRows.js";
import { seedBoards } from "./helpers/seedBoards.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { countStatements } from "./helpers/statements.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

const EVERY_TYPE = (text: string, ids: string[]) => Prisma.sql`
  SELECT 1.500000::numeric(12, 6) AS "decimal", NULL::numeric AS "noDecimal", 9007199254740993::int8 AS "big", 42::int4 AS "int",
         2.5::float8 AS "float", true AS "bool", ${text}::text AS "text", '2026-03-01T10:00:00.123Z'::timestamptz AS "at",
         '{"a": [1, null, "ü"], "b": {"c": true}}'::jsonb AS "jsonb", '[1, 2]'::json AS "json", ARRAY['x', 'y,"z"']::text[] AS "texts",
         ${ids}::uuid[] AS "uuids", 'image'::artifact_type AS "enum", NULL::timestamptz AS "never"`;

describe("queryRows", () => {
  it("returns what $queryRaw returns, value for value and type for type", async () => {
    const hostile = `'; DROP TABLE boards; -- ✓ \\ "quoted"`;
    const ids = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"];
    const expected = await server.prisma.$queryRaw<Array<Record<string, unknown>>>(EVERY_TYPE(hostile, ids));
    const actual = await queryRows<Record<string, unknown>>(server.prisma, EVERY_TYPE(hostile, ids));
    expect(actual).toEqual(expected);
    const row = actual[0]!;
    expect(row.decimal).toBeInstanceOf(Prisma.Decimal);
    expect(String(row.decimal)).toBe("1.5");
    expect(row.big).toBe(9007199254740993n);
    expect(row.at).toEqual(new Date("2026-03-01T10:00:00.123Z"));
    expect(row.text).toBe(hostile);
    expect(row.texts).toEqual(["x", 'y,"z"']);
    for (const [key, value] of Object.entries(expected[0]!)) expect(typeof row[key], key).toBe(typeof value);
  });

  it("is one statement on the pool, and stays inside a transaction given a transaction client", async () => {
    expect(await countStatements(server.pool, () => queryRows(server.prisma, Prisma.sql`SELECT 1 AS one`))).toBe(1);
    const seeded = await seedBoards(server.prisma, { boards: 1, generationsPerBoard: 0 });
    const boardId = seeded.boardIds[0]!;
    const seen = await server.prisma
      .$transaction(async (tx) => {
        await tx.board.update({ where: { id: boardId }, data: { title: "inside" } });
        const rows = await queryRows<{ title: string }>(tx, Prisma.sql`SELECT title FROM boards WHERE id = ${boardId}::uuid`);
        throw Object.assign(new Error("roll back"), { rows });
      })
      .catch((error: { rows?: Array<{ title: string }> }) => error.rows);
    // The uncommitted title is visible only inside the transaction that wrote it.
    expect(seen).toEqual([{ title: "inside" }]);
    const after = await queryRows<{ title: string }>(server.prisma, Prisma.sql`SELECT title FROM boards WHERE id = ${boardId}::uuid`);
    expect(after[0]!.title).not.toBe("inside");
  });

  it("reports a failing statement as an error", async () => {
    await expect(queryRows(server.prisma, Prisma.sql`SELECT * FROM no_such_table`)).rejects.toThrow(/no_such_table/);
  });
});
