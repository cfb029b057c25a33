/**
 * `npm run schema:check`: compares schema.graphql with the released contract (the committed
 * schema.baseline.graphql) and, when `--base-ref` names one, with the schema at the merge-base of
 * that git ref, using @graphql-inspector/core. It prints every change as breaking, dangerous or
 * safe and exits 1 when a breaking change is not listed, with a reason, in the acknowledgement
 * file. Runs offline: the base comes from a file or from the local git history.
 *
 *   tsx scripts/schema-check.ts [--schema schema.graphql] [--baseline schema.baseline.graphql]
 *     [--acknowledged schema-changes.acknowledged.json] [--base-ref origin/main]
 *     [--write-baseline]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema, type GraphQLSchema } from "graphql";
import { z } from "zod";

/** Where the check reads its inputs; relative paths are taken from the working directory. */
interface SchemaCheckOptions {
  schema: string;
  baseline: string;
  acknowledged: string;
  /** A git ref (branch, tag, commit); the schema at its merge-base with HEAD is compared too. */
  baseRef?: string;
}

/** The outcome: the printed report and the process exit code (0 pass, 1 unacknowledged break, 2 unusable input). */
interface SchemaCheckResult {
  exitCode: 0 | 1 | 2;
  report: string;
}

const acknowledgementFile = z.strictObject({
  acknowledged: z.array(
    z.strictObject({
      // The change's message exactly as the report prints it (on one line).
      message: z.string().min(1),
      // Why clients can live with it (who was told, what replaces it).
      reason: z.string().trim().min(1),
    }),
  ),
});
type Acknowledgement = z.infer<typeof acknowledgementFile>["acknowledged"][number];

/** A problem with the inputs themselves (exit code 2), as opposed to a breaking change. */
class InputError extends Error {}

function readSchema(source: string, sdl: string): GraphQLSchema {
  try {
    return buildSchema(sdl);
  } catch (error) {
    throw new InputError(`${source} is not a valid schema: ${(error as Error).message}`);
  }
}

function readFile(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

function readAcknowledgements(file: string): Acknowledgement[] {
  let json: unknown;
  try {
    json = JSON.parse(readFile(file, "acknowledgement file"));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = acknowledgementFile.safeParse(json);
  if (!parsed.success) {
    throw new InputError(`${file} must be { "acknowledged": [{ "message": "...", "reason": "..." }] }: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data.acknowledged;
}

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new InputError(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
  }
}

/** schema.graphql as it was at the merge-base of `ref` and HEAD, in the schema file's repository. */
function schemaAtMergeBase(schemaFile: string, ref: string): { source: string; sdl: string } {
  const dir = path.dirname(path.resolve(schemaFile));
  const base = git(dir, ["merge-base", ref, "HEAD"]).trim();
  // `<commit>:./file` is resolved from the directory git runs in.
  const sdl = git(dir, ["show", `${base}:./${path.basename(schemaFile)}`]);
  return { source: `${ref} (merge-base ${base.slice(0, 12)})`, sdl };
}

const sections = [
  { level: CriticalityLevel.Breaking, title: "breaking" },
  { level: CriticalityLevel.Dangerous, title: "dangerous" },
  { level: CriticalityLevel.NonBreaking, title: "safe" },
] as const;

/** Messages quote descriptions, which may span lines; acknowledgements use the one-line form. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ");
}

function describeChanges(changes: Change[], acknowledged: Map<string, Acknowledgement>, used: Set<string>): { lines: string[]; unacknowledged: number } {
  const lines: string[] = [];
  let unacknowledged = 0;
  for (const { level, title } of sections) {
    const ofLevel = changes.filter((change) => change.criticality.level === level);
    if (ofLevel.length === 0) continue;
    lines.push(`  ${title} (${ofLevel.length}):`);
    // Description edits are safe and often many; they are counted rather than quoted in full.
    const descriptionEdits = ofLevel.filter((change) => level === CriticalityLevel.NonBreaking && String(change.type).includes("DESCRIPTION"));
    for (const change of ofLevel) {
      if (descriptionEdits.includes(change)) continue;
      const message = oneLine(change.message);
      const at = change.path ? `  [${change.path}]` : "";
      if (level !== CriticalityLevel.Breaking) {
        lines.push(`    ${level === CriticalityLevel.Dangerous ? "!" : "-"} ${message}${at}`);
        continue;
      }
      const ack = acknowledged.get(message);
      if (ack) {
        used.add(message);
        lines.push(`    ✓ ${message}${at}`, `        acknowledged: ${ack.reason}`);
      } else {
        unacknowledged += 1;
        lines.push(`    ✗ ${message}${at}`);
      }
    }
    if (descriptionEdits.length > 0) lines.push(`    - ${descriptionEdits.length} description(s) added, changed or removed`);
  }
  if (lines.length === 0) lines.push("  no changes");
  return { lines, unacknowledged };
}

/**
 * Runs the check and returns its report; never throws for bad inputs (they give exit code 2).
 */
async function checkSchema(options: SchemaCheckOptions): Promise<SchemaCheckResult> {
  try {
    const current = readSchema(options.schema, readFile(options.schema, "schema"));
    const acknowledged = new Map(readAcknowledgements(options.acknowledged).map((ack) => [oneLine(ack.message), ack]));
    const bases = [{ source: options.baseline, sdl: readFile(options.baseline, "baseline schema") }];
    if (options.baseRef) bases.push(schemaAtMergeBase(options.schema, options.baseRef));

    const used = new Set<string>();
    const report: string[] = [];
    let unacknowledged = 0;
    for (const base of bases) {
      const changes = await diff(readSchema(base.source, base.sdl), current);
      const described = describeChanges(changes, acknowledged, used);
      unacknowledged += described.unacknowledged;
      report.push(`${options.schema} against ${base.source}:`, ...described.lines);
    }
    const stale = [...acknowledged.keys()].filter((message) => !used.has(message));
    if (stale.length > 0) {
      report.push(`acknowledged but not found (remove them from ${options.acknowledged}):`, ...stale.map((message) => `    ? ${message}`));
    }
    if (unacknowledged > 0) {
      report.push(
        `FAILED: ${unacknowledged} breaking change(s) not acknowledged. Keep the schema compatible, or list each ` +
          `change's message with a reason in ${options.acknowledged}.`,
      );
      return { exitCode: 1, report: report.join("\n") };
    }
    report.push("OK: no unacknowledged breaking change.");
    return { exitCode: 0, report: report.join("\n") };
  } catch (error) {
    if (error instanceof InputError) return { exitCode: 2, report: `schema:check: ${error.message}` };
    throw error;
  }
}

/** Makes the current schema the released contract and clears the acknowledgements it absorbs. */
function writeBaseline(options: SchemaCheckOptions): string {
  writeFileSync(options.baseline, readFile(options.schema, "schema"));
  writeFileSync(options.acknowledged, `${JSON.stringify({ acknowledged: [] }, null, 2)}\n`);
  return `${options.baseline} now equals ${options.schema}; ${options.acknowledged} is empty.`;
}

function readArguments() {
  return parseArgs({
    options: {
      schema: { type: "string", default: "schema.graphql" },
      baseline: { type: "string", default: "schema.baseline.graphql" },
      acknowledged: { type: "string", default: "schema-changes.acknowledged.json" },
      "base-ref": { type: "string" },
      "write-baseline": { type: "boolean", default: false },
    },
  }).values;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof readArguments>;
  try {
    values = readArguments();
  } catch (error) {
    console.error(`schema:check: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const options: SchemaCheckOptions = {
    schema: values.schema,
    baseline: values.baseline,
    acknowledged: values.acknowledged,
    ...(values["base-ref"] ? { baseRef: values["base-ref"] } : {}),
  };
  if (values["write-baseline"]) {
    console.log(writeBaseline(options));
    return;
  }
  const { exitCode, report } = await checkSchema(options);
  (exitCode === 0 ? console.log : console.error)(report);
  process.exitCode = exitCode;
}

await main();
