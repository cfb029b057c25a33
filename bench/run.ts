/**
 * `npm run bench <name>` runs bench/<name>.ts; with no name it lists the benchmarks.
 */
import { readdirSync } from "node:fs";

/** Modules the benchmarks use, not benchmarks themselves. */
const HELPERS = ["run.ts", "stats.ts", "postgraphileServer.ts", "readsData.ts", "jobsProcess.ts", "bareWorker.ts"];

const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts") && !HELPERS.includes(f))
  .map((f) => f.replace(/\.ts$/, ""));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.log(`usage: npm run bench <name>\navailable: ${available.join(", ")}`);
  process.exit(name ? 1 : 0);
}
await import(`./${name}.ts`);
