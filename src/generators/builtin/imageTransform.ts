import sharp from "sharp";
import { z } from "zod";
import { ImageArtifact } from "../artifacts.js";
import { PermanentGeneratorError, type Generator } from "../Generator.js";
import { simulateWork, simulationInputs } from "./simulateWork.js";

const inputSchema = z
  .object({
    image: ImageArtifact.describe("The image to transform"),
    operation: z.enum(["invert", "grayscale", "blur", "flip", "mirror"]).default("invert").describe("What to do to the image"),
    prompt: z.string().max(2000).optional().describe("Free text kept with the result"),
    ...simulationInputs,
  })
  .meta({ title: "ImageTransformInput", description: "Transforms an existing image." });

/** Built-in, offline image-to-image generator: applies a simple operation to an input image. */
export const imageTransform: Generator<typeof inputSchema> = {
  name: "image-transform",
  artifactType: "image",
  description: "Offline demo: inverts, greys, blurs, flips or mirrors an input image into a new PNG.",
  inputSchema,
  // Runs offline: free, unless the generators file gives this entry a `cost`.
  estimateCost: () => 0,
  async generate(inputs, ctx) {
    const path = await ctx.resolveArtifact(inputs.image);
    await simulateWork(ctx, inputs.delay_ms, inputs.progress_steps);
    let image = sharp(path);
    try {
      await image.metadata();
    } catch {
      throw new PermanentGeneratorError("Input image could not be decoded");
    }
    if (inputs.operation === "invert") image = image.negate({ alpha: false });
    if (inputs.operation === "grayscale") image = image.grayscale();
    if (inputs.operation === "blur") image = image.blur(4);
    if (inputs.operation === "flip") image = image.flip();
    if (inputs.operation === "mirror") image = image.flop();
    const { data, info } = await image.png().toBuffer({ resolveWithObject: true });
    await ctx.storeImageResult({ source: { data }, format: "png", width: info.width, height: info.height });
  },
};
