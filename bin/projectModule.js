// Loads a module of this project from its build (dist/) when the build is current, else from
// its TypeScript sources through tsx. Shared by the `boards` bin and graphile.config.ts, so a
// checkout works before (or without) `npm run build` and a deployment runs compiled code.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Newest modification time under `path` (a file or a directory, recursively). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Whether dist/ holds `compiled` and no source is newer than the build. */
function buildIsCurrent(compiled) {
  if (!existsSync(compiled)) return false;
  // `npm start` stamps its builds; a plain `npm run build` leaves the compiled files' own times.
  const stamp = join(root, "dist", ".build-stamp");
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : statSync(compiled).mtimeMs;
  return built >= newest(join(root, "src"));
}

let tsxRegistered = false;

/**
 * Imports `src/<path>.ts` of the project, compiled or not (`path` without extension, relative
 * to src/, e.g. "cli/main").
 */
export async function importProjectModule(path) {
  const compiled = join(root, "dist", "src", `${path}.js`);
  const source = join(root, "src", `${path}.ts`);
  const tsxAvailable = existsSync(join(root, "node_modules", "tsx"));
  // BOARDS_FROM_SOURCES=true: the sources even when a build is current (tests, debugging).
  const fromSources = process.env.BOARDS_FROM_SOURCES === "true" && existsSync(source) && tsxAvailable;
  if (!fromSources && (buildIsCurrent(compiled) || !existsSync(source) || !tsxAvailable)) {
    if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first`);
    return import(pathToFileURL(compiled).href);
  }
  if (!tsxRegistered) {
    const { register } = await import("tsx/esm/api");
    register();
    tsxRegistered = true;
  }
  return import(pathToFileURL(source).href);
}
