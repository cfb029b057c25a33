/**
 * Reads a Boards `generators.yaml` against the declaration catalogue, with Boards' semantics:
 *
 *   strict_mode: true       # a bad entry stops loading (false: it is reported and skipped)
 *   allow_unlisted: false   # generators registered before this file (built-ins) are dropped, an error in strict mode
 *   generators:
 *     - class: boards.generators.implementations.fal.image.flux_2.FalFlux2Generator
 *       enabled: true       # false: skipped before anything else is looked at
 *       name: my-flux       # registers the generator under another name
 *     - import: boards.generators.implementations.fal.image.flux_2   # every generator of that module
 *     - name: my-model      # a new generator: a whole declaration, no code
 *       provider: fal
 *       endpoint: { app: fal-ai/some-model }
 *       ...
 *
 * `class:` takes `module.Class` or `module:Class`, and the package re-exports Boards has
 * (`...fal.image.FalFlux2Generator`). Python entry points (`entrypoint:`) cannot be loaded here.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseDeclarations } from "./catalogue.js";
import type { GeneratorDeclaration } from "./GeneratorDeclaration.js";

/** A problem that stops loading in strict mode. */
export class BoardsConfigError extends Error {}

export type BoardsConfigResult = {
  /** The generators to register, in file order, names overridden. */
  declarations: GeneratorDeclaration[];
  /** Generators registered before the file that it does not list and that are to be removed. */
  removeUnlisted: string[];
  /** Problems skipped (non-strict mode) and notices, one line each. */
  warnings: string[];
};

const ConfigSchema = z.object({
  strict_mode: z.unknown().optional(),
  allow_unlisted: z.unknown().optional(),
  generators: z.array(z.unknown()).nullish(),
});

/** Python's bool() of a YAML value, as Boards reads both flags. */
const pyBool = (value: unknown, fallback: boolean) => (value === undefined ? fallback : Boolean(value) && !(Array.isArray(value) && value.length === 0));

function findClass(catalogue: GeneratorDeclaration[], qualified: string): GeneratorDeclaration | undefined {
  const [moduleName, className] = qualified.includes(":") ? qualified.split(":", 2) : [qualified.slice(0, qualified.lastIndexOf(".")), qualified.slice(qualified.lastIndexOf(".") + 1)];
  if (!moduleName || !className) return undefined;
  return (
    catalogue.find((d) => d.pythonClass === `${moduleName}.${className}`) ??
    // A package re-exporting the class from one of its modules.
    catalogue.find((d) => d.pythonClass?.endsWith(`.${className}`) && d.pythonClass.startsWith(`${moduleName}.`))
  );
}

/**
 * Resolves a Boards generators config (YAML text or parsed) to declarations.
 * @param preRegistered names already registered (built-ins): subject to `allow_unlisted`
 * @throws BoardsConfigError in strict mode for any bad entry, and for malformed files always
 */
export function loadBoardsConfig(source: string | unknown, catalogue: GeneratorDeclaration[], preRegistered: string[] = []): BoardsConfigResult {
  let raw: unknown;
  try {
    raw = typeof source === "string" ? (parseYaml(source) ?? {}) : source;
  } catch (error) {
    throw new BoardsConfigError(`Cannot parse generators config: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new BoardsConfigError(`Invalid generators config: ${parsed.error.issues[0]?.message}`);
  const strict = pyBool(parsed.data.strict_mode, true);
  const allowUnlisted = pyBool(parsed.data.allow_unlisted, false);
  const declarations: GeneratorDeclaration[] = [];
  const warnings: string[] = [];
  const names = new Set(preRegistered);
  const requested = new Set<string>();

  const add = (decl: GeneratorDeclaration, nameOverride: unknown) => {
    if (nameOverride !== undefined && nameOverride !== null && typeof nameOverride !== "string") throw new BoardsConfigError("'name' must be a string");
    const named = nameOverride ? { ...decl, name: nameOverride } : decl;
    if (names.has(named.name)) throw new BoardsConfigError(`Generator '${named.name}' is already registered`);
    names.add(named.name);
    requested.add(named.name);
    declarations.push(named);
  };

  for (const [index, entry] of (parsed.data.generators ?? []).entries()) {
    try {
      if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new BoardsConfigError(`Invalid generator declaration type: ${Array.isArray(entry) ? "list" : typeof entry}`);
      const e = entry as Record<string, unknown>;
      if (e.enabled === false) continue;
      for (const key of ["options", "input_defaults"]) {
        const value = e[key];
        if (value && typeof value === "object" && Object.keys(value).length) warnings.push(`generators[${index}]: '${key}' ignored (catalogue generators take none)`);
      }
      if (typeof e.import === "string") {
        const moduleName = e.import;
        const found = catalogue.filter((d) => d.pythonClass?.slice(0, d.pythonClass.lastIndexOf(".")) === moduleName);
        if (!found.length) throw new BoardsConfigError(`No generator module '${moduleName}'`);
        for (const decl of found) add(decl, undefined);
      } else if (typeof e.class === "string") {
        const decl = findClass(catalogue, e.class);
        if (!decl) throw new BoardsConfigError(`Unknown generator class '${e.class}'`);
        add(decl, e.name);
      } else if (typeof e.entrypoint === "string") {
        throw new BoardsConfigError(`Entry point '${e.entrypoint}' cannot be loaded: Python entry points are not supported`);
      } else if (typeof e.provider === "string") {
        const { enabled: _enabled, ...rest } = e;
        const [decl] = parseDeclarations([rest], `generators[${index}]`);
        add(decl!, undefined);
      } else {
        throw new BoardsConfigError("Generator declaration must include one of: import, class, entrypoint, provider");
      }
    } catch (error) {
      const message = `generators[${index}]: ${(error as Error).message}`;
      if (strict) throw new BoardsConfigError(message);
      warnings.push(message);
    }
  }

  const unlisted = preRegistered.filter((n) => !requested.has(n));
  let removeUnlisted: string[] = [];
  if (unlisted.length) {
    const message = `Found unlisted generator registrations: ${[...unlisted].sort().join(", ")}`;
    if (allowUnlisted) warnings.push(message);
    else {
      removeUnlisted = unlisted;
      if (strict) throw new BoardsConfigError(message);
      warnings.push(message);
    }
  }
  return { declarations, removeUnlisted, warnings };
}
