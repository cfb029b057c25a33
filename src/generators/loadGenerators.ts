/**
 * Builds the generator registry from a config file (YAML or JSON, BOARDS_GENERATORS_CONFIG_PATH),
 * in the spirit of Boards' generators.yaml:
 *
 *   strict_mode: true         # any bad entry aborts start-up (false: log it and skip it)
 *   include_builtins: true    # built-ins not mentioned below are enabled too
 *   generators:
 *     - builtin: image-from-prompt
 *       name: quick-image     # optional: register under another name
 *       enabled: true         # false: leave it out
 *       cost: { mul: [0.001, num_images] }   # optional: USD per run, a number or a formula
 *     - module: ./plugins/my-provider.js   # relative to the config file
 *       export: default                    # a Generator, or a function (options) => Generator
 *       options: { model: "x" }
 *     - package: boards-generator-fal      # an installed npm package (or package/subpath)
 *       export: createFalGenerator
 *
 * Built-in generators run offline and cost 0 unless their entry gives a `cost` (the expression
 * language of declarations, ./declarative/GeneratorDeclaration.ts); on a module or package entry
 * `cost` replaces the plugin's own `estimateCost`.
 *
 * Without a config file every built-in generator and every catalogue generator (Boards' provider
 * generators, ./declarative/catalogue.json) is registered. `include_catalogue: false` leaves the
 * catalogue out. A Boards generators.yaml (entries with `class:`, `import:` or a whole declaration
 * with `provider:`) loads unchanged: it registers exactly what it lists (see
 * ./declarative/loadBoardsConfig.ts), beside the built-ins.
 *
 * Either kind of file may say `list_unconfigured: true`: the `generators` query then also lists
 * provider generators whose provider has no key (submitting them still fails, naming the key).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Logger } from "../logger.js";
import { builtinGenerators } from "./builtin/index.js";
import { loadCatalogue } from "./declarative/catalogue.js";
import { costFromFormula } from "./declarative/estimateCost.js";
import { ExprSchema, type Expr } from "./declarative/GeneratorDeclaration.js";
import { BoardsConfigError, loadBoardsConfig } from "./declarative/loadBoardsConfig.js";
import { declaredGenerator, type Generator } from "./Generator.js";
import { GeneratorRegistry } from "./GeneratorRegistry.js";

const EntrySchema = z
  .object({
    builtin: z.string().optional(),
    module: z.string().optional(),
    package: z
      .string()
      .regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w.-]+)*$/i, "must be an npm package name, optionally with a subpath")
      .optional(),
    export: z.string().default("default"),
    options: z.record(z.string(), z.unknown()).default({}),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "must be lowercase letters, digits, '.', '_' or '-'").optional(),
    enabled: z.boolean().default(true),
    cost: ExprSchema.optional(),
  })
  .refine((e) => [e.builtin, e.module, e.package].filter(Boolean).length === 1, { message: "needs exactly one of 'builtin', 'module' or 'package'" });

const ConfigSchema = z.object({
  strict_mode: z.boolean().default(true),
  include_builtins: z.boolean().default(true),
  include_catalogue: z.boolean().default(true),
  list_unconfigured: z.boolean().default(false),
  generators: z.array(z.unknown()).default([]),
});

/** Keys only a Boards generators.yaml entry has. */
const BOARDS_ENTRY_KEYS = ["class", "import", "entrypoint", "provider"];

function isBoardsConfig(raw: unknown): boolean {
  if (!raw || typeof raw !== "object") return false;
  const entries = (raw as { generators?: unknown }).generators;
  if ("allow_unlisted" in raw) return true;
  return Array.isArray(entries) && entries.some((e) => e !== null && typeof e === "object" && BOARDS_ENTRY_KEYS.some((k) => k in e));
}

type Entry = z.infer<typeof EntrySchema>;

/** A configuration problem that stops start-up in strict mode. */
export class GeneratorConfigError extends Error {}

const ARTIFACT_TYPES = new Set(["image", "video", "audio", "text"]);

function assertGenerator(value: unknown, where: string): Generator {
  const g = value as Partial<Generator> | null;
  const problems: string[] = [];
  if (!g || typeof g !== "object") throw new GeneratorConfigError(`${where}: does not export a generator`);
  if (typeof g.name !== "string" || !g.name) problems.push("name");
  if (typeof g.artifactType !== "string" || !ARTIFACT_TYPES.has(g.artifactType)) problems.push("artifactType (image|video|audio|text)");
  if (typeof g.description !== "string") problems.push("description");
  if (!(g.inputSchema instanceof z.ZodObject)) problems.push("inputSchema (a zod object)");
  if (typeof g.generate !== "function") problems.push("generate()");
  if (typeof g.estimateCost !== "function") problems.push("estimateCost()");
  if (problems.length) throw new GeneratorConfigError(`${where}: invalid generator (${problems.join(", ")})`);
  return g as Generator;
}

/**
 * The generator as an entry configures it: under another name, priced by a cost formula
 * (prototype kept, so class-based plugins still work).
 */
function configured(generator: Generator, entry: { name?: string; cost?: Expr }): Generator {
  const overrides: PropertyDescriptorMap = {};
  if (entry.name) overrides.name = { value: entry.name, enumerable: true };
  const formula = entry.cost;
  if (formula !== undefined) overrides.estimateCost = { value: (inputs: Record<string, unknown>) => costFromFormula(formula, inputs) };
  return Object.keys(overrides).length > 0 ? (Object.create(generator, overrides) as Generator) : generator;
}

/**
 * Where an installed package is: found from the config file's directory as Node would for a
 * file there (so a deployment can keep plugins next to its config), else from the server's
 * own dependencies (left to `import`, which also honours packages exporting only `import`).
 */
function packageUrl(name: string, baseDir: string): string {
  try {
    return pathToFileURL(createRequire(join(baseDir, "generators-config")).resolve(name)).href;
  } catch {
    return name;
  }
}

async function instantiate(entry: Entry, baseDir: string): Promise<Generator> {
  if (entry.builtin) {
    const found = builtinGenerators.find((g) => g.name === entry.builtin);
    if (!found) throw new GeneratorConfigError(`Unknown built-in generator '${entry.builtin}'`);
    return found;
  }
  const source = entry.module ?? entry.package!;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(entry.module ? pathToFileURL(resolve(baseDir, entry.module)).href : packageUrl(entry.package!, baseDir))) as Record<string, unknown>;
  } catch (error) {
    const kind = entry.module ? "module" : "package";
    throw new GeneratorConfigError(`Failed to load generator ${kind} '${source}': ${(error as Error).message}`);
  }
  const exported = mod[entry.export];
  const value = typeof exported === "function" ? await (exported as (o: unknown) => unknown)(entry.options) : exported;
  return assertGenerator(value, `${source}#${entry.export}`);
}

/**
 * Loads the registry: built-ins when `configPath` is undefined, else what the file says.
 * @throws GeneratorConfigError for an unreadable file, or for any bad entry in strict mode.
 */
export async function loadGenerators(configPath: string | undefined, logger: Logger): Promise<GeneratorRegistry> {
  const registry = new GeneratorRegistry();
  if (!configPath) {
    for (const g of builtinGenerators) registry.register(g);
    for (const decl of loadCatalogue()) registry.register(declaredGenerator(decl));
    return registry;
  }
  let raw: unknown;
  try {
    const text = await readFile(configPath, "utf8");
    raw = /\.json$/i.test(configPath) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new GeneratorConfigError(`Cannot read generators config ${configPath}: ${(error as Error).message}`);
  }
  if (isBoardsConfig(raw)) return loadBoardsFile(raw, registry, logger);
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new GeneratorConfigError(`Invalid generators config: ${parsed.error.issues[0]?.message}`);
  const config = parsed.data;
  const mentionedBuiltins = new Set<string>();

  for (const [index, rawEntry] of config.generators.entries()) {
    try {
      const entryResult = EntrySchema.safeParse(rawEntry);
      if (!entryResult.success) {
        const issue = entryResult.error.issues[0];
        throw new GeneratorConfigError(`generators[${index}]: ${issue?.path.join(".") ?? ""} ${issue?.message}`.trim());
      }
      const entry = entryResult.data;
      if (entry.builtin) mentionedBuiltins.add(entry.builtin);
      if (!entry.enabled) continue;
      const generator = await instantiate(entry, dirname(configPath));
      registry.register(configured(generator, entry));
    } catch (error) {
      if (config.strict_mode) {
        throw error instanceof GeneratorConfigError ? error : new GeneratorConfigError((error as Error).message);
      }
      logger.warn({ entry: index, err: (error as Error).message }, "skipping generator entry");
    }
  }
  if (config.include_builtins) {
    for (const g of builtinGenerators) if (!mentionedBuiltins.has(g.name) && !registry.get(g.name)) registry.register(g);
  }
  if (config.include_catalogue) {
    for (const decl of loadCatalogue()) if (!registry.get(decl.name)) registry.register(declaredGenerator(decl));
  }
  registry.listUnconfigured = config.list_unconfigured;
  return registry;
}

/**
 * A Boards generators.yaml: what it lists, plus the built-ins (Boards has none, so its
 * `allow_unlisted` policy concerns only what the file itself registers), unless
 * `include_builtins: false`.
 */
function loadBoardsFile(raw: unknown, registry: GeneratorRegistry, logger: Logger): GeneratorRegistry {
  const flags = raw as { include_builtins?: unknown; list_unconfigured?: unknown };
  let result;
  try {
    result = loadBoardsConfig(raw, loadCatalogue());
  } catch (error) {
    throw new GeneratorConfigError(error instanceof BoardsConfigError ? error.message : `Invalid generators config: ${(error as Error).message}`);
  }
  for (const warning of result.warnings) logger.warn({ warning }, "generators config");
  if (flags.include_builtins !== false) for (const g of builtinGenerators) registry.register(g);
  for (const decl of result.declarations) {
    if (registry.get(decl.name)) throw new GeneratorConfigError(`Generator '${decl.name}' is already registered`);
    registry.register(declaredGenerator(decl));
  }
  registry.listUnconfigured = flags.list_unconfigured === true;
  return registry;
}
