/**
 * The read path side by side with PostGraphile 5 (amber preset + connection filter, row-level
 * security mirroring our access rules) on the same PostgreSQL and data (readsData.ts): the first
 * 50 boards by `updatedAt` desc, each with its owner and first 10 generations (id, status,
 * storageUrl, tags). For each server: SQL statements per request (counted on the driver's
 * clients, in-process), then, with each server in a process of its own, p50/p95 and requests/s at
 * concurrency 1 and 16 over interleaved rounds, and the ratios. Then the floor: `{ __typename }`
 * and `{ me { id } }` against a bare GraphQL Yoga server.
 *
 *   npm run bench reads
 *   BENCH_REQUESTS=400 BENCH_ROUNDS=3 npm run bench reads
 *
 * Uses a throwaway database (dropped afterwards). Keyset depth: `npm run bench keyset`.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createSchema, createYoga } from "graphql-yoga";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { launchServer, TEST_JWT_SECRET } from "../tests/helpers/launch.js";
import { startMainProcess, type MainProcess } from "../tests/helpers/mainProcess.js";
import { countStatements } from "../tests/helpers/statements.js";
import { SERVER_NODE_FLAGS } from "../scripts/serverNodeFlags.js";
import { startPostGraphile } from "./postgraphileServer.js";
import { READER_SUBJECT, seedReads, TENANT_SLUG } from "./readsData.js";
import { formatMs, percentile } from "./stats.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

const OURS = `{ boardsConnection(first: 50, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
  nodes { id title owner { id displayName } generationsConnection(first: 10) { nodes { id status storageUrl tags { name } } } } } }`;
const THEIRS = `{ allBoards(first: 50, orderBy: [UPDATED_AT_DESC]) {
  nodes { id title userByOwnerId { id displayName } generationsByBoardId(first: 10, orderBy: [CREATED_AT_DESC]) {
    nodes { id status storageUrl generationTagsByGenerationId { nodes { tagByTagId { name } } } } } } } }`;

type Target = { name: string; url: string; query: string; headers: Record<string, string> };
type Run = { p50: number; p95: number; rps: number };

async function post(target: Target, query: string): Promise<void> {
  const response = await fetch(`${target.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...target.headers }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { errors?: unknown };
  if (!response.ok || body.errors) throw new Error(`${target.name}: ${response.status} ${JSON.stringify(body.errors)}`);
}

/** `count` requests with `concurrency` in flight: latency percentiles and throughput. */
async function load(target: Target, query: string, count: number, concurrency: number): Promise<Run> {
  const latencies: number[] = [];
  let sent = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent += 1;
        const t0 = performance.now();
        await post(target, query);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), rps: count / seconds };
}

/** The median of each figure over the rounds. */
const median = (runs: Run[]): Run => ({
  p50: percentile(runs.map((r) => r.p50), 50),
  p95: percentile(runs.map((r) => r.p95), 50),
  rps: percentile(runs.map((r) => r.rps), 50),
});

async function statementsPerRequest(databaseUrl: string, ids: { tenantId: string; readerId: string }, token: string) {
  const ours = await launchServer(databaseUrl, { BOARDS_LOG_LEVEL: "silent" });
  const theirs = await startPostGraphile(databaseUrl, { userId: ids.readerId, tenantId: ids.tenantId });
  try {
    const oursTarget: Target = { name: "boards-server", url: ours.url, query: OURS, headers: { authorization: `Bearer ${token}`, "x-tenant": TENANT_SLUG } };
    const theirsTarget: Target = { name: "PostGraphile", url: theirs.url, query: THEIRS, headers: {} };
    for (let i = 0; i < 5; i++) await Promise.all([post(oursTarget, OURS), post(theirsTarget, THEIRS)]);
    return {
      ours: await countStatements(ours.pool, () => post(oursTarget, OURS)),
      theirs: await countStatements(theirs.pool, () => post(theirsTarget, THEIRS)),
    };
  } finally {
    await ours.close();
    await theirs.close();
  }
}

/** A bare Yoga answering the floor queries with constants, in a process of its own is not needed: it does no I/O. */
async function startBareYoga() {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: `type Query { me: User } type User { id: ID! }`, resolvers: { Query: { me: () => ({ id: "1" }) } } }),
    logging: false,
    graphiql: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function main() {
  const database = await createMigratedDatabase(serverUrl, `boards_bench_reads_${randomBytes(3).toString("hex")}`);
  const processes: MainProcess[] = [];
  try {
    const seeded = await (async () => {
      const pg = await import("pg");
      const pool = new pg.default.Pool({ connectionString: database.url, max: 2 });
      try {
        return await seedReads(pool);
      } finally {
        await pool.end();
      }
    })();
    const token = await signToken({ sub: READER_SUBJECT });
    const statements = await statementsPerRequest(database.url, seeded, token);

    const api = startMainProcess({
      BOARDS_DATABASE_URL: database.url,
      BOARDS_API_PORT: "0",
      BOARDS_API_HOST: "127.0.0.1",
      BOARDS_WORKER_IN_PROCESS: "false",
      BOARDS_AUTH_PROVIDER: "jwt",
      BOARDS_JWT_SECRET: TEST_JWT_SECRET,
      BOARDS_LOG_LEVEL: "info",
      // As `npm start` runs it.
      NODE_OPTIONS: SERVER_NODE_FLAGS.join(" "),
    });
    const pgl = startMainProcess({ READS_DATABASE_URL: database.url, READS_USER_ID: seeded.readerId, READS_TENANT_ID: seeded.tenantId }, "bench/postgraphileServer.ts");
    processes.push(api, pgl);
    const apiPort = (await api.waitForLog((l) => l.msg === "boards-server listening")).port;
    const pglPort = (await pgl.waitForLog((l) => l.msg === "listening")).port;
    const ours: Target = { name: "boards-server", url: `http://127.0.0.1:${String(apiPort)}`, query: OURS, headers: { authorization: `Bearer ${token}`, "x-tenant": TENANT_SLUG } };
    const theirs: Target = { name: "PostGraphile", url: `http://127.0.0.1:${String(pglPort)}`, query: THEIRS, headers: {} };

    console.log(`Reads: 50 boards × owner × 10 generations × tags, ${REQUESTS} requests per run, ${ROUNDS} interleaved rounds (medians)\n`);
    console.log(`SQL statements per request: boards-server ${statements.ours}, PostGraphile ${statements.theirs}\n`);
    for (const target of [ours, theirs]) for (let i = 0; i < 30; i++) await post(target, target.query);
    const results = new Map<string, Run[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of [1, 16]) {
        for (const target of round % 2 ? [theirs, ours] : [ours, theirs]) {
          const key = `${target.name}@${concurrency}`;
          results.set(key, [...(results.get(key) ?? []), await load(target, target.query, REQUESTS, concurrency)]);
        }
      }
    }
    for (const concurrency of [1, 16]) {
      const a = median(results.get(`boards-server@${concurrency}`)!);
      const b = median(results.get(`PostGraphile@${concurrency}`)!);
      console.log(`concurrency ${String(concurrency).padStart(2)}  boards-server p50 ${formatMs(a.p50)} p95 ${formatMs(a.p95)} ${a.rps.toFixed(0)} req/s`);
      console.log(`                PostGraphile  p50 ${formatMs(b.p50)} p95 ${formatMs(b.p95)} ${b.rps.toFixed(0)} req/s`);
      console.log(`                ratio         p50 ${ratio(a.p50, b.p50)} p95 ${ratio(a.p95, b.p95)} req/s ${ratio(a.rps, b.rps)}`);
    }
    const [a1, a16] = [median(results.get("boards-server@1")!), median(results.get("boards-server@16")!)];
    console.log(`boards-server requests/s from concurrency 1 to 16: ${a1.rps.toFixed(0)} → ${a16.rps.toFixed(0)} (${ratio(a16.rps, a1.rps)})\n`);

    const bare = await startBareYoga();
    try {
      const bareTarget: Target = { name: "bare Yoga", url: bare.url, query: "", headers: {} };
      for (const query of ["{ __typename }", "{ me { id } }"]) {
        for (let i = 0; i < 30; i++) await Promise.all([post(ours, query), post(bareTarget, query)]);
        const a = await load(ours, query, REQUESTS, 1);
        const b = await load(bareTarget, query, REQUESTS, 1);
        console.log(`${query.padEnd(16)} boards-server p50 ${formatMs(a.p50)}, bare Yoga p50 ${formatMs(b.p50)} (${ratio(a.p50, b.p50)})`);
      }
    } finally {
      await bare.close();
    }
  } finally {
    for (const child of processes) child.kill();
    await Promise.all(processes.map((p) => p.exited));
    await database.drop();
  }
}

await main();
