/**
 * Unit tests of the generator plumbing: building the registry from a config file
 * (loadGenerators), finding the artifact fields of an input schema (artifactSlots), and
 * validating inputs and resolving artifact inputs before a generation is queued or run
 * (prepareGenerationInputs).
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Generation } from "../generated/prisma/client.js";
import type { Logger } from "../logger.js";
import { prepareGenerationInputs, type ArtifactLookup } from "../services/generationInputs.js";
import { artifactSlots, AudioArtifact, ImageArtifact, TextArtifact, VideoArtifact } from "./artifacts.js";
import { builtinGenerators } from "./builtin/index.js";
import { imageFromPrompt } from "./builtin/imageFromPrompt.js";
import { loadCatalogue } from "./declarative/catalogue.js";
import { isDeclared, type AnyGenerator, type Generator } from "./Generator.js";
import { GeneratorConfigError, loadGenerators } from "./loadGenerators.js";

const BUILTIN_NAMES = ["audio-tone", "image-from-prompt", "image-transform", "text-from-prompt"];
const FIXTURE = fileURLToPath(new URL("../../tests/fixtures/generators/echoGenerators.ts", import.meta.url));

/** A logger whose warnings the test can read. */
function capturingLogger(): { logger: Logger; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, warnings };
}

/** A built-in generator by name. */
function builtin(name: string): Generator {
  const found = builtinGenerators.find((g) => g.name === name);
  if (!found) throw new Error(`no built-in generator ${name}`);
  return found;
}

/** Names of the code generators registered (the catalogue's are checked on their own below). */
const names = (registry: { list(): AnyGenerator[] }) => registry.list().filter((g) => !isDeclared(g)).map((g) => g.name);
const declaredNames = (registry: { list(): AnyGenerator[] }) => registry.list().filter(isDeclared).map((g) => g.name);
const CATALOGUE_NAMES = loadCatalogue().map((d) => d.name).sort((a, b) => a.localeCompare(b));

describe("loadGenerators", () => {
  let dir: string;
  /** The fixture module's path relative to the config directory (entries resolve against it). */
  let fixture: string;
  let counter = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "boards-generators-config-"));
    fixture = relative(dir, FIXTURE);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Writes a config file with the given extension and returns its path. */
  async function config(text: string, extension = "yaml"): Promise<string> {
    const path = join(dir, `generators-${++counter}.${extension}`);
    await writeFile(path, text);
    return path;
  }

  const json = (value: unknown) => config(JSON.stringify(value), "json");

  /** The GeneratorConfigError loading `path` must fail with. */
  async function configError(path: string): Promise<GeneratorConfigError> {
    const { logger } = capturingLogger();
    const error = await loadGenerators(path, logger).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GeneratorConfigError);
    return error as GeneratorConfigError;
  }

  it("enables every built-in generator when there is no config file", async () => {
    const registry = await loadGenerators(undefined, capturingLogger().logger);
    expect(names(registry)).toEqual(BUILTIN_NAMES);
    for (const g of builtinGenerators) expect(registry.get(g.name)).toBe(g);
    expect(names({ list: () => registry.list("image") })).toEqual(["image-from-prompt", "image-transform"]);
  });

  it("registers every catalogue generator beside the built-ins, unless include_catalogue is false", async () => {
    const registry = await loadGenerators(undefined, capturingLogger().logger);
    expect(declaredNames(registry)).toEqual(CATALOGUE_NAMES);
    expect(CATALOGUE_NAMES).toHaveLength(98);
    expect(registry.listUnconfigured).toBe(false);
    const withFlag = await loadGenerators(await config("list_unconfigured: true\n"), capturingLogger().logger);
    expect(declaredNames(withFlag)).toEqual(CATALOGUE_NAMES);
    expect(withFlag.listUnconfigured).toBe(true);
    const without = await loadGenerators(await config("include_catalogue: false\n"), capturingLogger().logger);
    expect(declaredNames(without)).toEqual([]);
    expect(names(without)).toEqual(BUILTIN_NAMES);
  });

  it("loads a Boards generators.yaml unchanged: exactly the classes it lists, beside the built-ins", async () => {
    const registry = await loadGenerators(join(dirname(FIXTURE), "boards-example.yaml"), capturingLogger().logger);
    expect(declaredNames(registry)).toEqual(["openai-whisper", "replicate-flux-pro"]);
    expect(names(registry)).toEqual(BUILTIN_NAMES);
    const flags = await config(
      ["include_builtins: false", "list_unconfigured: true", "generators:", "  - class: boards.generators.implementations.fal.image.flux_2.FalFlux2Generator", "    name: my-flux", ""].join("\n"),
    );
    const renamed = await loadGenerators(flags, capturingLogger().logger);
    expect(registry.list().length).toBeGreaterThan(2);
    expect(renamed.list().map((g) => g.name)).toEqual(["my-flux"]);
    expect(renamed.listUnconfigured).toBe(true);
  });

  it("loads the README's example of a model added by configuration", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("**Add a model by configuration.**"));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const registry = await loadGenerators(await config(example!), capturingLogger().logger);
    const added = registry.get("fal-flux-schnell");
    expect(added && isDeclared(added) ? added.declaration.endpoint : null).toEqual({ app: "fal-ai/flux/schnell" });
    expect(declaredNames(registry)).toEqual(["fal-flux-schnell"]);
  });

  it("a bad Boards entry stops loading in strict mode and is skipped with a warning otherwise", async () => {
    const bad = ["generators:", "  - class: boards.generators.implementations.fal.image.NoSuchGenerator", "  - class: boards.generators.implementations.fal.image.flux_2.FalFlux2Generator", ""];
    expect((await configError(await config(bad.join("\n")))).message).toMatch(/Unknown generator class/);
    const { logger, warnings } = capturingLogger();
    const lenient = await loadGenerators(await config(["strict_mode: false", ...bad].join("\n")), logger);
    expect(declaredNames(lenient)).toEqual(["fal-flux-2"]);
    expect(JSON.stringify(warnings)).toMatch(/NoSuchGenerator/);
  });

  it("reads a YAML config: renames and disables built-ins, and keeps the others enabled", async () => {
    const path = await config(
      [
        "strict_mode: true",
        "generators:",
        "  - builtin: image-from-prompt",
        "    name: quick-image",
        "  - builtin: audio-tone",
        "    enabled: false",
        "",
      ].join("\n"),
    );
    const registry = await loadGenerators(path, capturingLogger().logger);
    expect(names(registry)).toEqual(["image-transform", "quick-image", "text-from-prompt"]);
    expect(registry.get("image-from-prompt")).toBeUndefined();
    expect(registry.get("audio-tone")).toBeUndefined();

    const quick = registry.get("quick-image") as Generator;
    expect(quick.name).toBe("quick-image");
    expect(quick.artifactType).toBe("image");
    expect(quick.description).toBe(imageFromPrompt.description);
    expect(quick.inputSchema).toBe(imageFromPrompt.inputSchema);
    // Built-ins run offline: free unless the file prices them.
    expect(quick.estimateCost(imageFromPrompt.inputSchema.parse({ prompt: "x", num_images: 2 }))).toBe(0);
    // The built-in itself keeps its name.
    expect(imageFromPrompt.name).toBe("image-from-prompt");
  });

  it("prices an entry with its cost formula, leaving the built-in and unpriced entries free", async () => {
    const path = await config(
      [
        "include_builtins: false",
        "include_catalogue: false",
        "generators:",
        "  - builtin: image-from-prompt",
        "    cost: { mul: [0.0025, num_images] }",
        "  - builtin: text-from-prompt",
        "    cost: 0.01",
        "  - builtin: audio-tone",
        `  - module: ${JSON.stringify(FIXTURE)}`,
        "    cost: { add: [0.5, { len: text }] }",
        "",
      ].join("\n"),
    );
    const registry = await loadGenerators(path, capturingLogger().logger);
    const cost = (name: string, inputs: Record<string, unknown>) => {
      const generator = registry.get(name) as Generator;
      return generator.estimateCost(generator.inputSchema.parse(inputs));
    };
    expect(cost("image-from-prompt", { prompt: "x", num_images: 3 })).toBeCloseTo(0.0075, 10);
    expect(cost("text-from-prompt", { prompt: "x" })).toBe(0.01);
    expect(cost("audio-tone", { prompt: "x" })).toBe(0);
    expect(builtin("image-from-prompt").estimateCost(imageFromPrompt.inputSchema.parse({ prompt: "x", num_images: 3 }))).toBe(0);
    // The entry's formula replaces the module's own estimateCost (0 for this fixture).
    expect(cost("fixture-echo", { text: "abcd" })).toBe(4.5);
    expect((await configError(await config(["generators:", "  - builtin: image-from-prompt", "    cost: { pow: [2, 3] }", ""].join("\n")))).message).toMatch(/generators\[0\]/);
  });

  it("reads a JSON config", async () => {
    const path = await json({ include_builtins: false, generators: [{ builtin: "text-from-prompt" }, { builtin: "audio-tone", name: "beeper" }] });
    expect(names(await loadGenerators(path, capturingLogger().logger))).toEqual(["beeper", "text-from-prompt"]);
  });

  it("an empty config file enables every built-in", async () => {
    expect(names(await loadGenerators(await config(""), capturingLogger().logger))).toEqual(BUILTIN_NAMES);
  });

  it("include_builtins: false enables only the listed generators", async () => {
    const path = await config("include_builtins: false\ngenerators:\n  - builtin: image-transform\n");
    expect(names(await loadGenerators(path, capturingLogger().logger))).toEqual(["image-transform"]);
    const none = await config("include_builtins: false\n");
    expect(names(await loadGenerators(none, capturingLogger().logger))).toEqual([]);
  });

  it("loads module entries relative to the config file: a generator object, a factory given its options, an async factory", async () => {
    const path = await json({
      include_builtins: false,
      generators: [
        { module: fixture },
        { module: fixture, export: "createShouter", options: { name: "shouter", prefix: ">> " } },
        { module: fixture, export: "createLater", options: { prefix: "later: " } },
      ],
    });
    const registry = await loadGenerators(path, capturingLogger().logger);
    expect(names(registry)).toEqual(["fixture-echo", "fixture-later", "shouter"]);
    expect(registry.get("fixture-echo")).toMatchObject({ artifactType: "text", description: "Fixture: stores its input text." });
    expect(registry.get("shouter")?.description).toBe("Fixture: shouts with prefix '>> '.");
    expect(registry.get("fixture-later")?.description).toBe("Fixture: shouts with prefix 'later: '.");
  });

  it("applies name and enabled to module entries; a disabled entry is not even loaded", async () => {
    const path = await config(
      [
        "include_builtins: false",
        "generators:",
        `  - module: ${JSON.stringify(FIXTURE)}`,
        "    name: renamed-echo",
        "  - module: ./does-not-exist.js",
        "    enabled: false",
        "",
      ].join("\n"),
    );
    const registry = await loadGenerators(path, capturingLogger().logger);
    expect(names(registry)).toEqual(["renamed-echo"]);
    expect(registry.get("renamed-echo")?.description).toBe("Fixture: stores its input text.");
  });

  it("loads package entries: an installed package (found from the config file's directory) and a subpath of it", async () => {
    const pkg = join(dir, "node_modules", "boards-test-generators");
    await mkdir(pkg, { recursive: true });
    // The plugin shares the server's zod, as an installed plugin would through its peer dependency.
    await symlink(dirname(fileURLToPath(import.meta.resolve("zod/package.json"))), join(dir, "node_modules", "zod"));
    await writeFile(
      join(pkg, "package.json"),
      JSON.stringify({ name: "boards-test-generators", type: "module", exports: { ".": "./index.js", "./extra": "./extra.js" } }),
    );
    const plugin = (name: string) => `import { z } from "zod";
export function create(options) {
  return {
    name: options.name ?? ${JSON.stringify(name)},
    artifactType: "text",
    description: "Packaged: " + ${JSON.stringify(name)},
    inputSchema: z.object({ text: z.string() }),
    estimateCost: () => 0,
    async generate(inputs, ctx) { await ctx.storeTextResult({ content: inputs.text }); },
  };
}
export default create({});
`;
    await writeFile(join(pkg, "index.js"), plugin("packaged-echo"));
    await writeFile(join(pkg, "extra.js"), plugin("packaged-extra"));
    const registry = await loadGenerators(
      await json({
        include_builtins: false,
        generators: [{ package: "boards-test-generators" }, { package: "boards-test-generators/extra", export: "create", options: { name: "extra-renamed" } }],
      }),
      capturingLogger().logger,
    );
    expect(names(registry)).toEqual(["extra-renamed", "packaged-echo"]);
    expect(registry.get("packaged-echo")?.description).toBe("Packaged: packaged-echo");
  });

  describe("strict mode (the default) aborts on a bad entry", () => {
    it("a package that is not installed, or a name that is not a package name", async () => {
      const missing = await configError(await json({ generators: [{ package: "boards-no-such-generator-package" }] }));
      expect(missing.message).toMatch(/Failed to load generator package 'boards-no-such-generator-package'/);
      const invalid = await configError(await json({ generators: [{ package: "../escape" }] }));
      expect(invalid.message).toMatch(/must be an npm package name/);
      await configError(await json({ generators: [{ package: "boards-test-generators", module: fixture }] }));
    });

    it("an unknown built-in", async () => {
      const error = await configError(await config("generators:\n  - builtin: no-such-generator\n"));
      expect(error.message).toMatch(/Unknown built-in generator 'no-such-generator'/);
    });

    it("a missing module", async () => {
      const error = await configError(await json({ strict_mode: true, generators: [{ module: "./no-such-plugin.js" }] }));
      expect(error.message).toMatch(/Failed to load generator module '\.\/no-such-plugin\.js'/);
    });

    it("an export that is not a generator object", async () => {
      const error = await configError(await json({ generators: [{ module: fixture, export: "broken" }] }));
      expect(error.message).toMatch(/invalid generator/);
      expect(error.message).toMatch(/artifactType/);
      expect(error.message).toMatch(/inputSchema/);
    });

    it("an export that does not exist", async () => {
      const error = await configError(await json({ generators: [{ module: fixture, export: "nothingHere" }] }));
      expect(error.message).toMatch(/does not export a generator/);
    });

    it("a duplicate name", async () => {
      const error = await configError(
        await json({
          generators: [
            { builtin: "image-from-prompt", name: "twin" },
            { builtin: "audio-tone", name: "twin" },
          ],
        }),
      );
      expect(error.message).toMatch(/'twin' is already registered/);
    });

    it("an entry naming both a built-in and a module, or an invalid name", async () => {
      await configError(await json({ generators: [{ builtin: "audio-tone", module: fixture }] }));
      await configError(await json({ generators: [{ builtin: "audio-tone", name: "Not Valid" }] }));
    });
  });

  it("lenient mode skips bad entries with a warning each and keeps the good ones", async () => {
    const path = await json({
      strict_mode: false,
      generators: [
        { builtin: "no-such-generator" },
        { module: "./no-such-plugin.js" },
        { module: fixture, export: "broken" },
        { builtin: "image-from-prompt", name: "twin" },
        { builtin: "audio-tone", name: "twin" },
        { module: fixture, export: "createShouter", options: { prefix: "!" } },
      ],
    });
    const { logger, warnings } = capturingLogger();
    const registry = await loadGenerators(path, logger);
    expect(names(registry)).toEqual(["fixture-shouter", "image-transform", "text-from-prompt", "twin"]);
    expect(registry.get("twin")?.artifactType).toBe("image");
    expect(warnings.map((w) => w.entry)).toEqual([0, 1, 2, 4]);
  });

  it("a missing or unparsable config file is an error in either mode", async () => {
    await configError(join(dir, "missing.yaml"));
    await configError(await config("strict_mode: false\ngenerators: [unclosed\n"));
    await configError(await config('{"strict_mode": false, ', "json"));
    await configError(await config("strict_mode: false\ngenerators: not-a-list\n"));
  });
});

describe("artifactSlots", () => {
  it("finds a required artifact field and ignores the others", () => {
    const schema = z.object({
      prompt: z.string(),
      count: z.number().optional(),
      urls: z.array(z.string()),
      lookalike: z.object({ generation_id: z.string(), storage_url: z.string(), format: z.string() }),
      image: ImageArtifact,
    });
    expect(artifactSlots(schema)).toEqual([{ field: "image", artifactType: "IMAGE", list: false, optional: false, minItems: 1, maxItems: 1 }]);
  });

  it("marks optional, nullable and defaulted artifact fields optional, with each artifact type", () => {
    const schema = z.object({
      audio: AudioArtifact.optional(),
      video: VideoArtifact.nullable(),
      text: TextArtifact.nullish(),
    });
    expect(artifactSlots(schema)).toEqual([
      { field: "audio", artifactType: "AUDIO", list: false, optional: true, minItems: 1, maxItems: 1 },
      { field: "video", artifactType: "VIDEO", list: false, optional: true, minItems: 1, maxItems: 1 },
      { field: "text", artifactType: "TEXT", list: false, optional: true, minItems: 1, maxItems: 1 },
    ]);
  });

  it("finds list fields with their minimum and maximum length", () => {
    const schema = z.object({
      frames: z.array(ImageArtifact).min(1).max(3),
      clips: z.array(VideoArtifact),
      voices: z.array(AudioArtifact).max(2).optional(),
    });
    expect(artifactSlots(schema)).toEqual([
      { field: "frames", artifactType: "IMAGE", list: true, optional: false, minItems: 1, maxItems: 3 },
      { field: "clips", artifactType: "VIDEO", list: true, optional: false, minItems: 0, maxItems: 100 },
      { field: "voices", artifactType: "AUDIO", list: true, optional: true, minItems: 0, maxItems: 2 },
    ]);
  });

  it("finds artifact fields that carry a description, as the built-in image-transform declares its input", () => {
    const schema = z.object({ image: ImageArtifact.describe("The image"), more: z.array(ImageArtifact.describe("Another")).min(1) });
    expect(artifactSlots(schema)).toEqual([
      { field: "image", artifactType: "IMAGE", list: false, optional: false, minItems: 1, maxItems: 1 },
      { field: "more", artifactType: "IMAGE", list: true, optional: false, minItems: 1, maxItems: 100 },
    ]);
    expect(artifactSlots(builtin("image-transform").inputSchema)).toEqual([
      { field: "image", artifactType: "IMAGE", list: false, optional: false, minItems: 1, maxItems: 1 },
    ]);
  });
});

describe("prepareGenerationInputs", () => {
  const TENANT = "11111111-1111-4111-8111-111111111111";
  const IMG = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
  const IMG2 = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
  const TONE = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
  const NOTE = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";
  const MISSING = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee";

  /** A generation row as the database would return it. */
  function row(id: string, overrides: Partial<Generation> = {}): Generation {
    const at = new Date("2026-01-01T00:00:00Z");
    return {
      id,
      tenantId: TENANT,
      boardId: "22222222-2222-4222-8222-222222222222",
      userId: "33333333-3333-4333-8333-333333333333",
      generatorName: "image-from-prompt",
      artifactType: "IMAGE",
      inputParams: {},
      metadata: {},
      status: "COMPLETED",
      storageUrl: `http://files.test/${id}`,
      storageKey: `${id}/original`,
      storageProvider: "local",
      thumbnailUrl: null,
      additionalFiles: [],
      outputMetadata: { format: "png", width: 64, height: 48 },
      inputArtifacts: [],
      externalJobId: null,
      estimatedCost: null,
      creditAccountId: null,
      creditsReserved: null,
      progress: 100,
      errorMessage: null,
      startedAt: at,
      completedAt: at,
      createdAt: at,
      updatedAt: at,
      ...overrides,
    };
  }

  /** A lookup over fixed rows that records what it was asked for. */
  function fakeLookup(rows: Generation[]): ArtifactLookup & { calls: string[][] } {
    const calls: string[][] = [];
    const lookup = async (ids: string[]) => {
      calls.push(ids);
      return rows.filter((r) => ids.includes(r.id));
    };
    return Object.assign(lookup, { calls });
  }

  function generatorWith(shape: z.ZodRawShape): Generator {
    return {
      name: "under-test",
      artifactType: "image",
      description: "test generator",
      inputSchema: z.object(shape),
      estimateCost: () => 0,
      generate: async () => undefined,
    };
  }

  const single = generatorWith({ prompt: z.string().min(1), strength: z.number().min(0).max(1).default(0.5), image: ImageArtifact });

  it.each([["a string", "hello"], ["null", null], ["an array", [{ prompt: "x" }]], ["a number", 3]])(
    "refuses params that are %s with one error on inputParams",
    async (_label, params) => {
      const lookup = fakeLookup([]);
      expect(await prepareGenerationInputs(single, params, lookup)).toEqual({
        ok: false,
        fieldErrors: [{ field: "inputParams", message: "must be a JSON object" }],
      });
      expect(lookup.calls).toEqual([]);
    },
  );

  it("reports schema problems by field name without looking anything up", async () => {
    const lookup = fakeLookup([row(IMG)]);
    const result = await prepareGenerationInputs(single, { strength: 2, image: IMG }, lookup);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fieldErrors.map((e) => e.field).sort()).toEqual(["prompt", "strength"]);
    expect(lookup.calls).toEqual([]);
  });

  it("requires artifact fields to hold generation ids", async () => {
    const lookup = fakeLookup([row(IMG)]);
    const notAnId = await prepareGenerationInputs(single, { prompt: "x", image: "picture.png" }, lookup);
    expect(notAnId).toEqual({ ok: false, fieldErrors: [{ field: "image", message: "must be a generation id" }] });
    const anObject = await prepareGenerationInputs(single, { prompt: "x", image: { generation_id: IMG, storage_url: "http://x", format: "png" } }, lookup);
    expect(anObject.ok).toBe(false);
    const missing = await prepareGenerationInputs(single, { prompt: "x" }, lookup);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.fieldErrors.map((e) => e.field)).toEqual(["image"]);
    expect(lookup.calls).toEqual([]);
  });

  it("resolves an artifact id: stored params keep the id (with defaults), the generator gets the artifact, lineage records it", async () => {
    const lookup = fakeLookup([row(IMG), row(IMG2)]);
    const result = await prepareGenerationInputs(single, { prompt: "x", image: IMG.toUpperCase() }, lookup);
    expect(lookup.calls).toEqual([[IMG]]);
    expect(result).toEqual({
      ok: true,
      value: {
        storedParams: { prompt: "x", strength: 0.5, image: IMG.toUpperCase() },
        inputs: {
          prompt: "x",
          strength: 0.5,
          image: { generation_id: IMG, storage_url: `http://files.test/${IMG}`, format: "png", width: 64, height: 48 },
        },
        lineage: [{ generation_id: IMG, role: "image", artifact_type: "image" }],
      },
    });
  });

  it.each<[string, Generation | null, string]>([
    ["an id the lookup does not return", null, `Generation ${MISSING} not found`],
    ["a generation still processing", row(MISSING, { status: "PROCESSING", storageUrl: null }), `Generation ${MISSING} is not completed (status: processing)`],
    ["a failed generation", row(MISSING, { status: "FAILED", storageUrl: null }), `Generation ${MISSING} is not completed (status: failed)`],
    ["a generation of another type", row(MISSING, { artifactType: "VIDEO" }), `Generation ${MISSING} has wrong artifact type: expected image, got video`],
    ["a completed generation without a stored artifact", row(MISSING, { storageUrl: null }), `Generation ${MISSING} has no stored artifact`],
  ])("refuses %s", async (_label, candidate, message) => {
    const lookup = fakeLookup(candidate ? [candidate] : []);
    expect(await prepareGenerationInputs(single, { prompt: "x", image: MISSING }, lookup)).toEqual({
      ok: false,
      fieldErrors: [{ field: "image", message }],
    });
  });

  it("resolves list and optional fields of every type with one lookup, and reports every bad id", async () => {
    const multi = generatorWith({
      frames: z.array(ImageArtifact).min(1).max(3),
      voice: AudioArtifact.optional(),
      script: TextArtifact.optional(),
      clip: VideoArtifact.optional(),
    });
    const rows = [
      row(IMG),
      row(IMG2, { outputMetadata: { format: "webp" } }),
      row(TONE, { artifactType: "AUDIO", outputMetadata: { duration: 1.5, sample_rate: 8000, channels: 1 } }),
      row(NOTE, { artifactType: "TEXT", outputMetadata: { format: "plain", content: "hello" } }),
    ];
    const lookup = fakeLookup(rows);
    const ok = await prepareGenerationInputs(multi, { frames: [IMG, IMG2, IMG], voice: TONE, script: NOTE }, lookup);
    expect(lookup.calls).toHaveLength(1);
    expect([...lookup.calls[0]!].sort()).toEqual([IMG, IMG2, NOTE, TONE].sort());
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.value.storedParams).toEqual({ frames: [IMG, IMG2, IMG], voice: TONE, script: NOTE });
    expect(ok.value.inputs.frames).toEqual([
      { generation_id: IMG, storage_url: `http://files.test/${IMG}`, format: "png", width: 64, height: 48 },
      { generation_id: IMG2, storage_url: `http://files.test/${IMG2}`, format: "webp" },
      { generation_id: IMG, storage_url: `http://files.test/${IMG}`, format: "png", width: 64, height: 48 },
    ]);
    expect(ok.value.inputs.voice).toEqual({ generation_id: TONE, storage_url: `http://files.test/${TONE}`, format: "mp3", duration: 1.5, sample_rate: 8000, channels: 1 });
    expect(ok.value.inputs.script).toEqual({ generation_id: NOTE, storage_url: `http://files.test/${NOTE}`, format: "plain", content: "hello" });
    expect(ok.value.inputs.clip).toBeUndefined();
    expect(ok.value.lineage).toEqual(
      expect.arrayContaining([
        { generation_id: IMG, role: "frames", artifact_type: "image" },
        { generation_id: IMG2, role: "frames", artifact_type: "image" },
        { generation_id: TONE, role: "voice", artifact_type: "audio" },
        { generation_id: NOTE, role: "script", artifact_type: "text" },
      ]),
    );

    const bad = await prepareGenerationInputs(multi, { frames: [IMG, TONE, MISSING], clip: IMG2 }, fakeLookup(rows));
    expect(bad).toEqual({
      ok: false,
      fieldErrors: expect.arrayContaining([
        { field: "frames", message: `Generation ${TONE} has wrong artifact type: expected image, got audio` },
        { field: "frames", message: `Generation ${MISSING} not found` },
        { field: "clip", message: `Generation ${IMG2} has wrong artifact type: expected video, got image` },
      ]),
    });
    if (!bad.ok) expect(bad.fieldErrors).toHaveLength(3);
  });

  it("enforces list lengths before looking anything up", async () => {
    const multi = generatorWith({ frames: z.array(ImageArtifact).min(1).max(2), voice: AudioArtifact.optional() });
    const lookup = fakeLookup([row(IMG)]);
    const tooFew = await prepareGenerationInputs(multi, { frames: [] }, lookup);
    const tooMany = await prepareGenerationInputs(multi, { frames: [IMG, IMG, IMG] }, lookup);
    for (const result of [tooFew, tooMany]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.fieldErrors.map((e) => e.field)).toEqual(["frames"]);
    }
    expect(lookup.calls).toEqual([]);
  });

  it("treats an optional artifact field that is absent or null as not given, without a lookup", async () => {
    const optional = generatorWith({ prompt: z.string(), voice: AudioArtifact.optional() });
    for (const params of [{ prompt: "x" }, { prompt: "x", voice: null }]) {
      const none = fakeLookup([]);
      const result = await prepareGenerationInputs(optional, params, none);
      expect(result, JSON.stringify(params)).toMatchObject({ ok: true, value: { lineage: [] } });
      if (result.ok) expect(result.value.inputs.voice ?? undefined).toBeUndefined();
      expect(none.calls).toEqual([]);
    }
  });

  it("resolves the built-in image-transform's image input from a generation id", async () => {
    const lookup = fakeLookup([row(IMG)]);
    const result = await prepareGenerationInputs(builtin("image-transform"), { image: IMG, operation: "flip" }, lookup);
    expect(result).toEqual({
      ok: true,
      value: {
        storedParams: { image: IMG, operation: "flip", delay_ms: 0, progress_steps: 4 },
        inputs: {
          image: { generation_id: IMG, storage_url: `http://files.test/${IMG}`, format: "png", width: 64, height: 48 },
          operation: "flip",
          delay_ms: 0,
          progress_steps: 4,
        },
        lineage: [{ generation_id: IMG, role: "image", artifact_type: "image" }],
      },
    });
  });
});
