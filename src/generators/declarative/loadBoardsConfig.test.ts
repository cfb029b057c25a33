import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildProviderRequest } from "./buildProviderRequest.js";
import { loadCatalogue } from "./catalogue.js";
import { estimateCost } from "./estimateCost.js";
import { BoardsConfigError, loadBoardsConfig } from "./loadBoardsConfig.js";
import { readProviderOutputs } from "./readProviderOutputs.js";
import { validateInputs } from "./validateInputs.js";

const catalogue = loadCatalogue();
const fixture = (name: string) => readFileSync(new URL(`../../../tests/fixtures/generators/${name}`, import.meta.url), "utf8");
const FLUX = "boards.generators.implementations.fal.image.flux_2.FalFlux2Generator";

describe("Boards generators.yaml", () => {
  it("loads a Boards config listing every class unchanged: every listed class, in file order", () => {
    const text = fixture("boards-baseline.yaml");
    const classes = [...text.matchAll(/class: "([^"]+)"/g)].map((m) => m[1]);
    const result = loadBoardsConfig(text, catalogue);
    expect(result.warnings).toEqual([]);
    expect(result.declarations).toHaveLength(classes.length);
    expect(result.declarations.map((d) => d.pythonClass)).toEqual(classes);
  });

  it("loads a Boards config with each entry kind: import by module, class with a name override, disabled entry point skipped", () => {
    const result = loadBoardsConfig(fixture("boards-example.yaml"), catalogue);
    expect(result.declarations.map((d) => d.name)).toEqual(["openai-whisper", "replicate-flux-pro"]);
    expect(result.warnings).toEqual([
      "generators[1]: 'options' ignored (catalogue generators take none)",
      "generators[1]: 'input_defaults' ignored (catalogue generators take none)",
    ]);
  });

  it("registers under an overridden name, skips disabled entries, and takes module:Class and package re-export paths", () => {
    const result = loadBoardsConfig(
      `generators:
  - class: "${FLUX}"
    name: my-flux
  - class: "boards.generators.implementations.fal.image.nano_banana:FalNanoBananaGenerator"
  - class: "boards.generators.implementations.fal.video.FalVeo3Generator"
  - class: "boards.generators.implementations.fal.image.qwen_image.FalQwenImageGenerator"
    enabled: false
`,
      catalogue,
    );
    expect(result.declarations.map((d) => d.name)).toEqual(["my-flux", "fal-nano-banana", "fal-veo3"]);
    expect(result.declarations[0]!.endpoint).toEqual({ app: "fal-ai/flux-2" });
    // The override does not rename the catalogue entry itself.
    expect(catalogue.find((d) => d.pythonClass === FLUX)!.name).toBe("fal-flux-2");
  });

  it("stops on a bad entry in strict mode and skips it otherwise", () => {
    const entries = `generators:
  - class: "boards.generators.implementations.fal.image.nope.NoSuchGenerator"
  - class: "${FLUX}"
  - class: "${FLUX}"
  - entrypoint: "myorg.whisper"
  - just a string
`;
    expect(() => loadBoardsConfig(entries, catalogue)).toThrow(/generators\[0\]: Unknown generator class/);
    const lenient = loadBoardsConfig(`strict_mode: false\n${entries}`, catalogue);
    expect(lenient.declarations.map((d) => d.name)).toEqual(["fal-flux-2"]);
    expect(lenient.warnings).toEqual([
      "generators[0]: Unknown generator class 'boards.generators.implementations.fal.image.nope.NoSuchGenerator'",
      "generators[2]: Generator 'fal-flux-2' is already registered",
      "generators[3]: Entry point 'myorg.whisper' cannot be loaded: Python entry points are not supported",
      "generators[4]: Invalid generator declaration type: string",
    ]);
  });

  it("drops generators registered before the file that it does not list, unless allow_unlisted", () => {
    const listed = `generators:\n  - class: "${FLUX}"\n`;
    expect(() => loadBoardsConfig(listed, catalogue, ["image-from-prompt"])).toThrow("Found unlisted generator registrations: image-from-prompt");
    expect(loadBoardsConfig(`strict_mode: false\n${listed}`, catalogue, ["image-from-prompt"]).removeUnlisted).toEqual(["image-from-prompt"]);
    const allowed = loadBoardsConfig(`allow_unlisted: true\n${listed}`, catalogue, ["image-from-prompt"]);
    expect(allowed.removeUnlisted).toEqual([]);
    expect(allowed.warnings).toEqual(["Found unlisted generator registrations: image-from-prompt"]);
  });

  it("takes a new provider model as a config entry, no code: schema, mappings and cost all work", () => {
    const result = loadBoardsConfig(
      `generators:
  - name: acme-upscaler
    provider: fal
    artifactType: image
    description: "Acme upscaler"
    endpoint: { app: acme/upscale }
    inputSchema:
      type: object
      required: [image]
      properties:
        image: { $ref: "#/$defs/ImageArtifact" }
        scale: { type: integer, enum: [2, 4], default: 2 }
        seed: { anyOf: [{ type: integer }, { type: "null" }], default: null }
      $defs:
        ImageArtifact:
          type: object
          required: [generation_id, storage_url, format]
          properties: { generation_id: { type: string }, storage_url: { type: string }, format: { type: string } }
    args:
      image_url: { url: image }
      upscale_factor: scale
      seed: { input: seed, omit: "null" }
      output_format: { const: png }
    outputs: { items: ["image"], url: url, width: { item: width } }
    cost: { mul: [0.01, scale] }
`,
      catalogue,
    );
    const decl = result.declarations[0]!;
    const inputs = validateInputs(decl.inputSchema, { image: { generation_id: "g1", storage_url: "s3://x", format: "png" }, scale: 4 });
    expect(buildProviderRequest(decl, inputs, { image: "https://files.test/g1.png" })).toEqual({
      endpoint: { provider: "fal", app: "acme/upscale" },
      body: { image_url: "https://files.test/g1.png", upscale_factor: 4, output_format: "png" },
    });
    expect(estimateCost(decl, inputs)).toBeCloseTo(0.04, 10);
    expect(readProviderOutputs(decl, { image: { url: "https://cdn.test/out.png", width: 4096 } })).toEqual([{ url: "https://cdn.test/out.png", width: 4096 }]);
  });

  it("rejects a new entry whose mapping is not in the declaration language", () => {
    const bad = `generators:
  - name: acme-bad
    provider: fal
    artifactType: image
    description: ""
    endpoint: { app: acme/bad }
    inputSchema: { type: object, properties: {} }
    args: { prompt: { input: prompt, omit: sometimes } }
    outputs: { items: ["images[]"] }
    cost: 0
`;
    expect(() => loadBoardsConfig(bad, catalogue)).toThrow(BoardsConfigError);
    expect(() => loadBoardsConfig(bad, catalogue)).toThrow(/acme-bad.*omit must be 'null' or 'falsy'/);
  });

  it("rejects a new entry that refers to inputs, artifacts or transforms that do not exist", () => {
    const entry = (args: string, cost = "0") => `generators:
  - name: acme-typo
    provider: replicate
    artifactType: image
    description: ""
    endpoint: { model: acme/typo }
    inputSchema: { type: object, properties: { prompt: { type: string }, steps: { type: integer } } }
    args: ${args}
    outputs: { items: ["output[]"], url: "." }
    cost: ${cost}
`;
    expect(() => loadBoardsConfig(entry("{ prompt: promt }"), catalogue)).toThrow("acme-typo): unknown input 'promt'");
    expect(() => loadBoardsConfig(entry("{ image: { url: prompt } }"), catalogue)).toThrow("'prompt' is not an artifact input");
    expect(() => loadBoardsConfig(entry("{ prompt: prompt }", "{ transform: magic }"), catalogue)).toThrow("unknown transform 'magic'");
    expect(() => loadBoardsConfig(entry("{ prompt: prompt }", "{ mul: [0.01, { number: stepz }] }"), catalogue)).toThrow("unknown input 'stepz'");
    expect(loadBoardsConfig(entry("{ prompt: prompt }", "{ mul: [0.01, steps] }"), catalogue).declarations).toHaveLength(1);
  });
});
