import { describe, expect, it } from "vitest";
import { artifactFields } from "./artifactFields.js";
import { buildProviderRequest } from "./buildProviderRequest.js";
import { loadCatalogue } from "./catalogue.js";
import { DeclarationError } from "./evaluate.js";
import { maxWaitSeconds, type GeneratorDeclaration } from "./GeneratorDeclaration.js";
import { readProviderOutputs } from "./readProviderOutputs.js";
import { InputValidationError, validateInputs } from "./validateInputs.js";

const catalogue = loadCatalogue();
const get = (name: string) => catalogue.find((d) => d.name === name)!;
const image = (id: string) => ({ generation_id: id, storage_url: `https://store.test/${id}.png`, format: "png" });

describe("artifact inputs", () => {
  it("finds optional (anyOf with null) and list artifact fields, not only required single ones", () => {
    expect(artifactFields(get("fal-kling-video-o3-standard-image-to-video").inputSchema)).toEqual([
      { field: "start_frame", kind: "image", list: false, optional: false, minItems: 1, maxItems: 1 },
      { field: "end_frame", kind: "image", list: false, optional: true, minItems: 1, maxItems: 1 },
    ]);
    expect(artifactFields(get("kie-seedance-2").inputSchema)).toEqual([
      { field: "reference_image_sources", kind: "image", list: true, optional: true, minItems: 1, maxItems: 9 },
      { field: "reference_video_sources", kind: "video", list: true, optional: true, minItems: 1, maxItems: 3 },
      { field: "reference_audio_sources", kind: "audio", list: true, optional: true, minItems: 1, maxItems: 3 },
      { field: "first_frame_image", kind: "image", list: true, optional: true, minItems: 1, maxItems: 1 },
      { field: "last_frame_image", kind: "image", list: true, optional: true, minItems: 1, maxItems: 1 },
    ]);
  });

  it("sends an optional artifact when given and leaves it out when not", () => {
    const decl = get("fal-kling-video-o3-standard-image-to-video");
    const without = validateInputs(decl.inputSchema, { prompt: "p", start_frame: image("a") });
    expect(buildProviderRequest(decl, without, { start_frame: "https://u/a" }).body).not.toHaveProperty("tail_image_url");
    const withEnd = validateInputs(decl.inputSchema, { prompt: "p", start_frame: image("a"), end_frame: image("b") });
    expect(buildProviderRequest(decl, withEnd, { start_frame: "https://u/a", end_frame: "https://u/b" }).body).toMatchObject({
      image_url: "https://u/a",
      tail_image_url: "https://u/b",
    });
  });

  it("refuses to build a request when a required artifact has no provider URL", () => {
    const decl = get("fal-bria-background-remove");
    const inputs = validateInputs(decl.inputSchema, { image_url: image("a") });
    expect(() => buildProviderRequest(decl, inputs, {})).toThrow(DeclarationError);
  });
});

describe("input validation", () => {
  it("applies schema defaults as Pydantic does, without touching the caller's object", () => {
    const decl = get("fal-flux-2");
    const raw = { prompt: "a fox" };
    const validated = validateInputs(decl.inputSchema, raw);
    expect(validated).toMatchObject({ prompt: "a fox", num_images: 1, image_size: "landscape_4_3", seed: null, sync_mode: true });
    expect(raw).toEqual({ prompt: "a fox" });
  });

  it("builds absent nested settings from their own defaults (Pydantic default_factory)", () => {
    const decl = get("fal-minimax-speech-2-6-turbo");
    const validated = validateInputs(decl.inputSchema, { prompt: "hello" });
    expect(validated.voice_setting).toMatchObject({ voice_id: expect.any(String), speed: expect.any(Number) });
  });

  it("lists every problem: missing required field, value out of range, value not in the enum", () => {
    const decl = get("fal-flux-2");
    try {
      validateInputs(decl.inputSchema, { num_images: 9, image_size: "huge" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputValidationError);
      const paths = (error as InputValidationError).issues.map((i) => i.path).sort();
      expect(paths).toEqual(["/", "/image_size", "/num_images"]);
    }
  });

  it("enforces list bounds of artifact fields", () => {
    const decl = get("kie-seedance-2");
    expect(() => validateInputs(decl.inputSchema, { prompt: "p", first_frame_image: [image("a"), image("b")] })).toThrow(InputValidationError);
  });
});

describe("outputs", () => {
  const kie = get("kie-seedance-2");

  it("reads a JSON string inside the result and falls back through alternative paths", () => {
    expect(readProviderOutputs(kie, { resultJson: JSON.stringify({ video_urls: ["https://c/v.mp4"] }) }, { duration: 5 })).toEqual([
      { url: "https://c/v.mp4", durationSeconds: 5, format: "mp4" },
    ]);
  });

  it("fails when the result has no output it knows how to find", () => {
    expect(() => readProviderOutputs(kie, { resultJson: "{}" }, {})).toThrow(DeclarationError);
    expect(() => readProviderOutputs(get("fal-flux-2"), { images: [] })).toThrow(/no outputs/);
  });

  it("takes list items that are URLs or {url} objects alike", () => {
    const decl = get("kie-nano-banana-edit");
    const inputs = { output_format: "png" };
    const asObjects = { resultJson: JSON.stringify({ images: [{ url: "https://c/a.png", width: 640, height: 480 }] }) };
    const asStrings = { resultJson: JSON.stringify({ resultUrls: ["https://c/b.png"] }) };
    expect(readProviderOutputs(decl, asObjects, inputs).map((o) => o.url)).toEqual(["https://c/a.png"]);
    expect(readProviderOutputs(decl, asStrings, inputs).map((o) => o.url)).toEqual(["https://c/b.png"]);
  });

  it("reads text outputs", () => {
    expect(readProviderOutputs(get("openai-whisper"), { text: "hello there" })).toEqual([{ text: "hello there", format: "plain" }]);
  });
});

describe("declarations", () => {
  it("give video 30 minutes and everything else 10 by default, overridable", () => {
    expect(maxWaitSeconds(get("fal-veo3"))).toBe(1800);
    expect(maxWaitSeconds(get("fal-flux-2"))).toBe(600);
    expect(maxWaitSeconds({ ...get("fal-flux-2"), maxWaitSeconds: 42 } as GeneratorDeclaration)).toBe(42);
  });

  it("chooses the Kie Market model by condition (Boards switches Qwen to its edit model when images are given)", () => {
    const decl = get("kie-qwen-image-2");
    const plain = validateInputs(decl.inputSchema, { prompt: "p" });
    expect(buildProviderRequest(decl, plain, {}).body).toMatchObject({ model: "qwen2/text-to-image" });
    const edit = validateInputs(decl.inputSchema, { prompt: "p", image_sources: [image("a")] });
    expect(buildProviderRequest(decl, edit, { image_sources: ["https://u/a"] }).body).toMatchObject({
      model: "qwen2/image-edit",
      input: { image_url: ["https://u/a"] },
    });
  });
});
