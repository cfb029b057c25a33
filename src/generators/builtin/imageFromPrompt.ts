import sharp from "sharp";
import { z } from "zod";
import type { Generator } from "../Generator.js";
import { random, seedFrom } from "../../lib/seededRandom.js";
import { simulateWork, simulationInputs } from "./simulateWork.js";

const inputSchema = z
  .object({
    prompt: z.string().min(1).max(2000).describe("What to draw; the same prompt and seed give the same picture"),
    width: z.number().int().min(16).max(2048).default(512).describe("Width in pixels"),
    height: z.number().int().min(16).max(2048).default(512).describe("Height in pixels"),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional().describe("Variation seed"),
    num_images: z.number().int().min(1).max(4).default(1).describe("Number of images (a batch)"),
    ...simulationInputs,
  })
  .meta({ title: "ImageFromPromptInput", description: "Draws an abstract PNG derived from the prompt." });

type Inputs = z.infer<typeof inputSchema>;

/** Renders soft colour fields and discs whose colours and places come from the prompt. */
async function render(inputs: Inputs, index: number): Promise<Buffer> {
  const rand = random(seedFrom(`${inputs.prompt}\u0000${inputs.seed ?? 0}\u0000${index}`));
  const { width, height } = inputs;
  const colours = Array.from({ length: 3 }, () => [rand() * 255, rand() * 255, rand() * 255] as const);
  const discs = Array.from({ length: 6 }, () => ({
    x: rand() * width,
    y: rand() * height,
    r: (0.08 + rand() * 0.25) * Math.min(width, height),
    c: [rand() * 255, rand() * 255, rand() * 255] as const,
  }));
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      let rgb = [0, 1, 2].map((ch) => colours[0]![ch]! * (1 - u) * (1 - v) + colours[1]![ch]! * u + colours[2]![ch]! * v * (1 - u));
      for (const d of discs) {
        const dist = Math.hypot(x - d.x, y - d.y);
        if (dist < d.r) {
          const a = 0.6 * (1 - dist / d.r);
          rgb = rgb.map((value, ch) => value * (1 - a) + d.c[ch]! * a);
        }
      }
      const at = (y * width + x) * 3;
      pixels[at] = Math.max(0, Math.min(255, rgb[0]!));
      pixels[at + 1] = Math.max(0, Math.min(255, rgb[1]!));
      pixels[at + 2] = Math.max(0, Math.min(255, rgb[2]!));
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Built-in, offline image generator: a PNG derived from the prompt, optionally several. */
export const imageFromPrompt: Generator<typeof inputSchema> = {
  name: "image-from-prompt",
  artifactType: "image",
  description: "Offline demo: draws an abstract PNG from the prompt (no network, no API key).",
  inputSchema,
  // Runs offline: free, unless the generators file gives this entry a `cost`.
  estimateCost: () => 0,
  async generate(inputs, ctx) {
    await simulateWork(ctx, inputs.delay_ms, inputs.progress_steps);
    for (let index = 0; index < inputs.num_images; index++) {
      const data = await render(inputs, index);
      await ctx.storeImageResult({ source: { data }, format: "png", width: inputs.width, height: inputs.height, outputIndex: index });
    }
  },
};
