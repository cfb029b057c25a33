/**
 * Query cost of the board lists: SQL statements per request and latency (p50/p95) over real
 * HTTP, for 10, 50 and 200 boards each with 2 members and 3 generations.
 *
 *   npm run bench:queries            (or: npm run bench queries)
 *   BENCH_ITERATIONS=500 npm run bench:queries
 *
 * Uses a throwaway database `boards_bench` on the configured server (BOARDS_DATABASE_URL or the
 * local default) and drops it afterwards.
 */
import { performance } from "node:perf_hooks";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { launchServer } from "../tests/helpers/launch.js";
import { seedBoards } from "../tests/helpers/seedBoards.js";
import { countStatements } from "../tests/helpers/statements.js";
import { formatMs, percentile } from "./stats.js";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const WARMUP = 20;
const SIZES = [10, 50, 200];
const BOARD_FIELDS = `id title owner { id displayName } members { role user { id displayName } } generationCount`;

const OPERATIONS: Array<{ name: string; query: string; variables: (boards: number) => Record<string, unknown> }> = [
  { name: "myBoards", query: `query($n: Int!) { myBoards(limit: $n) { ${BOARD_FIELDS} } }`, variables: (n) => ({ n }) },
  {
    name: "boardsConnection",
    query: `query($n: Int!) { boardsConnection(first: $n) { edges { cursor node { ${BOARD_FIELDS} } } pageInfo { hasNextPage } } }`,
    variables: (n) => ({ n: Math.min(n, 100) }),
  },
  {
    name: "boardsConnection+totalCount",
    query: `query($n: Int!) { boardsConnection(first: $n) { totalCount nodes { ${BOARD_FIELDS} } } }`,
    variables: (n) => ({ n: Math.min(n, 100) }),
  },
];

const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const database = await createMigratedDatabase(serverUrl, "boards_bench");
const server = await launchServer(database.url, { BOARDS_LOG_LEVEL: "silent" });

try {
  console.log(`Query cost: ${ITERATIONS} sequential requests per row after ${WARMUP} warm-up requests (HTTP, jwt auth)\n`);
  const rows: string[][] = [["operation", "boards", "items", "SQL statements", "p50", "p95"]];
  for (const boards of SIZES) {
    const seeded = await seedBoards(server.prisma, { boards });
    const token = await signToken({ sub: seeded.ownerSubject });
    for (const op of OPERATIONS) {
      const variables = op.variables(boards);
      const send = async () => {
        const result = await server.gql(op.query, variables, { token, tenant: seeded.tenantSlug });
        if (result.errors) throw new Error(`${op.name} failed: ${JSON.stringify(result.errors)}`);
      };
      for (let i = 0; i < WARMUP; i++) await send();
      const statements = await countStatements(server.pool, send);
      const samples: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const start = performance.now();
        await send();
        samples.push(performance.now() - start);
      }
      rows.push([
        op.name,
        String(boards),
        String(variables.n),
        String(statements),
        formatMs(percentile(samples, 50)),
        formatMs(percentile(samples, 95)),
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join("  "));
  console.log("\nStatements include the per-request user lookup (1). The count must not depend on the number of boards.");
} finally {
  await server.close();
  await database.drop();
}
