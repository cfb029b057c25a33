/**
 * Keeping `dist/` current: `npm start`, `npm run worker`, `boards serve` and `boards worker` run
 * compiled code, built again only when a source is newer than the last build.
 */
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "./CliError.js";
import { projectRoot } from "./projectRoot.js";
import { runQuietly } from "./runQuietly.js";

/** Newest modification time under `path` (a file or a directory, recursively). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** The compiled file of `src/<name>.ts`. */
export const compiledEntry = (name: string) => join(projectRoot, "dist", "src", `${name}.js`);

/**
 * Builds `dist/` unless the last build (its stamp file) is newer than every source. Where the
 * sources or the compiler are absent (a deployment of the build), only checks that the build
 * holds `entries`.
 */
export async function buildIfChanged(childEnv: NodeJS.ProcessEnv, progress: (line: string) => void, entries = ["main", "worker"]): Promise<void> {
  const tsc = join(projectRoot, "node_modules", "typescript", "bin", "tsc");
  const built = entries.every((name) => existsSync(compiledEntry(name)));
  if (!existsSync(join(projectRoot, "src")) || !existsSync(tsc)) {
    if (!built) throw new CliError(`no build in ${join(projectRoot, "dist")}: run \`npm run build\``);
    return;
  }
  const stamp = join(projectRoot, "dist", ".build-stamp");
  const sources = Math.max(...["src", "tsconfig.json", "tsconfig.build.json", "package.json"].map((p) => newest(join(projectRoot, p))));
  if (existsSync(stamp) && built && statSync(stamp).mtimeMs >= sources) return;
  const since = Date.now();
  progress("building (sources changed since the last build)…");
  const begun = new Date();
  await runQuietly([tsc, "-p", join(projectRoot, "tsconfig.build.json")], childEnv, projectRoot);
  // Stamped with the time the build began: a source saved during the build triggers the next one.
  writeFileSync(stamp, begun.toISOString());
  utimesSync(stamp, begun, begun);
  progress(`built (${((Date.now() - since) / 1000).toFixed(1)} s)`);
}
