/**
 * How deep keyset pages cost against the first one: `generationsConnection` on a board of
 * 100,000 generations, 50 per page, for page 1, 10 and 100 reached by cursors (`after`, and
 * `before` from the far end), for each sort field and both directions; beside it offset pages
 * 0, 1,000 and 10,000. For each: the SQL time of the page's statements (timed on the driver's
 * client, so the database and the wire, not Prisma's compilation) and the request p50 over HTTP,
 * with the ratio to page 1.
 *
 *   npm run bench keyset
 *   BENCH_SAMPLES=50 npm run bench keyset
 *
 * Uses a throwaway database (dropped afterwards). A fifth of the generations share their
 * creation time with another and every generator name is shared by 20,000, so the cursors' ties
 * are exercised.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { launchServer, type TestServer } from "../tests/helpers/launch.js";
import { statementTimes } from "../tests/helpers/statements.js";
import { formatMs, percentile } from "./stats.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const ROWS = 100_000;
const PAGE = 50;
const DEPTHS = [1, 10, 100];
const OFFSETS = [0, 1_000, 10_000];
const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const PAGE_QUERY = `query($b: UUID!, $o: [GenerationOrderBy!], $first: Int, $after: String, $last: Int, $before: String, $limit: Int, $offset: Int) {
  generationsConnection(boardId: $b, orderBy: $o, first: $first, after: $after, last: $last, before: $before, limit: $limit, offset: $offset) {
    pageInfo { startCursor endCursor } nodes { id status }
  }
}`;
type PageResult = { generationsConnection: { pageInfo: { startCursor: string | null; endCursor: string | null }; nodes: Array<{ id: string }> } };

async function seed(server: TestServer, gql: <T>(q: string, v?: Record<string, unknown>) => Promise<T>): Promise<string> {
  const me = (await gql<{ me: { id: string; tenantId: string } }>(`{ me { id tenantId } }`)).me;
  const board = (await gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "deep" }) { id } }`)).createBoard.id;
  await server.pool.query(
    `INSERT INTO generations (tenant_id, board_id, user_id, generator_name, artifact_type, input_params, status, created_at, updated_at)
     SELECT $1, $2, $3, 'generator-' || (i % 5), 'image', '{}', 'completed',
            timestamptz '2026-01-01' + ((i - i % 5 / 4) * interval '1 second'),
            timestamptz '2026-06-01' - (i * interval '1 second')
     FROM generate_series(1, ${ROWS}) AS i`,
    [me.tenantId, board, me.id],
  );
  await server.pool.query("ANALYZE generations");
  return board;
}

async function main() {
  const database = await createMigratedDatabase(serverUrl, `boards_bench_keyset_${randomBytes(3).toString("hex")}`);
  const server = await launchServer(database.url, { BOARDS_LOG_LEVEL: "silent" });
  try {
    const token = await signToken({ sub: "bench-keyset" });
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const result = await server.gql<T>(query, variables, { token, tenant: "bench-keyset" });
      if (!result.data) throw new Error(JSON.stringify(result.errors));
      return result.data;
    };
    const board = await seed(server, gql);
    const page = (variables: Record<string, unknown>) => gql<PageResult>(PAGE_QUERY, { b: board, ...variables });

    /** SQL time (sum of the request's statements) and request time, p50 of each. */
    const measure = async (variables: Record<string, unknown>) => {
      for (let i = 0; i < 3; i++) await page(variables);
      const sql: number[] = [];
      const request: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const start = performance.now();
        const times = await statementTimes(server.pool, () => page(variables));
        request.push(performance.now() - start);
        sql.push(times.reduce((a, b) => a + b, 0));
      }
      return { sql: percentile(sql, 50), request: percentile(request, 50) };
    };

    /** The cursor variables of pages 1, 10 and 100 in one direction, walked through the API. */
    const cursorsTo = async (orderBy: unknown, forward: boolean) => {
      const found = new Map<number, Record<string, unknown>>();
      let cursor: string | null = null;
      for (let n = 1; n <= Math.max(...DEPTHS); n++) {
        const variables: Record<string, unknown> = forward ? { o: orderBy, first: PAGE, after: cursor } : { o: orderBy, last: PAGE, before: cursor };
        if (DEPTHS.includes(n)) found.set(n, variables);
        const info = (await page(variables)).generationsConnection.pageInfo;
        cursor = forward ? info.endCursor : info.startCursor;
      }
      return found;
    };

    console.log(`Keyset depth: generationsConnection on one board of ${ROWS} generations, ${PAGE} per page, p50 of ${SAMPLES} requests each\n`);
    const rows: string[][] = [["order", "page", "SQL p50", "× page 1", "request p50", "× page 1"]];
    for (const field of ["CREATED_AT", "UPDATED_AT", "GENERATOR_NAME"]) {
      for (const direction of ["DESC", "ASC"]) {
        const orderBy = [{ field, direction }];
        for (const forward of [true, false]) {
          const cursors = await cursorsTo(orderBy, forward);
          let first: { sql: number; request: number } | null = null;
          for (const depth of DEPTHS) {
            const m = await measure(cursors.get(depth)!);
            first ??= m;
            rows.push([
              `${field} ${direction}`,
              `${depth} (${forward ? "after" : "before"})`,
              formatMs(m.sql),
              `${(m.sql / first.sql).toFixed(2)}×`,
              formatMs(m.request),
              `${(m.request / first.request).toFixed(2)}×`,
            ]);
          }
        }
      }
    }
    let base: { sql: number; request: number } | null = null;
    for (const offset of OFFSETS) {
      const m = await measure({ o: [{ field: "CREATED_AT", direction: "DESC" }], limit: PAGE, offset });
      base ??= m;
      rows.push(["CREATED_AT DESC", `offset ${offset}`, formatMs(m.sql), `${(m.sql / base.sql).toFixed(2)}×`, formatMs(m.request), `${(m.request / base.request).toFixed(2)}×`]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  } finally {
    await server.close();
    await database.drop();
  }
}

await main();
