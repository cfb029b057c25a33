/**
 * What credits cost on the submit path, on this machine: `createGeneration` through GraphQL with
 * credits off and with credits on (`user` mode: the estimate is reserved in the statement that
 * inserts the generation), then the end of a generation — `cancelGeneration` (refund) and the
 * settlement a completed generation gets (finalize) — each as SQL statements per call and p50/p95
 * latency, with the difference credits make.
 *
 *   npm run bench credits
 *   BENCH_SAMPLES=500 npm run bench credits
 *
 * Uses throwaway databases (dropped afterwards) and no job worker, so nothing but the measured
 * requests touches the database.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { settleReservation } from "../src/services/credits/creditReservations.js";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { launchServer, type TestServer } from "../tests/helpers/launch.js";
import { countStatements } from "../tests/helpers/statements.js";
import { formatMs, percentile } from "./stats.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const WARMUP = 50;
const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

/** Prices image-from-prompt (built-ins are otherwise free, and a free run reserves nothing). */
const PRICED = fileURLToPath(new URL("../tests/fixtures/generators/priced-builtins.yaml", import.meta.url));
const CREATE = `mutation($b: UUID!, $p: JSON!) { createGeneration(input: { boardId: $b, generatorName: "image-from-prompt", artifactType: IMAGE, inputParams: $p }) { id } }`;
const CANCEL = `mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`;

type Measured = { statements: number[]; ms: number[] };

const summary = (m: Measured) => {
  const mean = m.statements.reduce((a, b) => a + b, 0) / m.statements.length;
  return { statements: mean, p50: percentile(m.ms, 50), p95: percentile(m.ms, 95) };
};

/** Times `call` and counts its statements on the server's pool, after a warm-up. */
async function measure(server: TestServer, count: number, call: (i: number) => Promise<void>): Promise<Measured> {
  const out: Measured = { statements: [], ms: [] };
  for (let i = 0; i < WARMUP + count; i++) {
    const t0 = performance.now();
    const statements = await countStatements(server.pool, () => call(i));
    const ms = performance.now() - t0;
    if (i >= WARMUP) {
      out.statements.push(statements);
      out.ms.push(ms);
    }
  }
  return out;
}

async function run(mode: "off" | "user") {
  const database = await createMigratedDatabase(serverUrl, `boards_bench_credits_${mode}_${randomBytes(3).toString("hex")}`);
  const server = await launchServer(database.url, { BOARDS_LOG_LEVEL: "silent", BOARDS_CREDITS_MODE: mode, BOARDS_GENERATORS_CONFIG_PATH: PRICED });
  try {
    const tenant = `bench-${mode}`;
    const token = await signToken({ sub: `bench-${mode}`, roles: ["admin"] });
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const result = await server.gql<T>(query, variables, { token, tenant });
      if (!result.data) throw new Error(JSON.stringify(result.errors));
      return result.data;
    };
    const me = await gql<{ me: { id: string } }>(`{ me { id } }`);
    if (mode === "user") await gql(`mutation($u: UUID!) { grantCredits(input: { userId: $u, amount: 1000000 }) { available } }`, { u: me.me.id });
    const boardId = (await gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "bench" }) { id } }`)).createBoard.id;
    const ids: string[] = [];
    const submit = await measure(server, SAMPLES * 2, async () => {
      ids.push((await gql<{ createGeneration: { id: string } }>(CREATE, { b: boardId, p: { prompt: "bench", width: 16, height: 16 } })).createGeneration.id);
    });
    const toCancel = ids.slice(0, WARMUP + SAMPLES);
    const cancel = await measure(server, SAMPLES, async (i) => void (await gql(CANCEL, { id: toCancel[i] })));
    // A completed generation's settlement, as the worker runs it right after the final transition.
    const toFinish = ids.slice(WARMUP + SAMPLES);
    await server.prisma.generation.updateMany({ where: { id: { in: toFinish } }, data: { status: "COMPLETED" } });
    const finalize = await measure(server, Math.min(SAMPLES, toFinish.length - WARMUP), async (i) => void (await settleReservation(server.prisma, toFinish[i]!)));
    return { submit: summary(submit), cancel: summary(cancel), finalize: summary(finalize) };
  } finally {
    await server.close();
    await database.drop();
  }
}

const off = await run("off");
const on = await run("user");
const line = (label: string, a: ReturnType<typeof summary>, b: ReturnType<typeof summary>) =>
  `${label.padEnd(34)} statements ${a.statements.toFixed(1)} → ${b.statements.toFixed(1)} (+${(b.statements - a.statements).toFixed(1)})   ` +
  `p50 ${formatMs(a.p50)} → ${formatMs(b.p50)} (${(b.p50 / a.p50).toFixed(2)}×)   p95 ${formatMs(a.p95)} → ${formatMs(b.p95)}`;

console.log(`Credits on the submit path: credits off → credits on (user mode), ${SAMPLES} samples each after ${WARMUP} warm-up, no worker`);
console.log(line("createGeneration (reserve)", off.submit, on.submit));
console.log(line("cancelGeneration (refund)", off.cancel, on.cancel));
console.log(
  `${"settlement of a completed one".padEnd(34)} statements ${on.finalize.statements.toFixed(1)}   p50 ${formatMs(on.finalize.p50)}   p95 ${formatMs(on.finalize.p95)}   (credits off: none)`,
);
