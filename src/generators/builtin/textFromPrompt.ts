import { z } from "zod";
import type { Generator } from "../Generator.js";
import { random, seedFrom } from "../../lib/seededRandom.js";
import { simulateWork, simulationInputs } from "./simulateWork.js";

const inputSchema = z
  .object({
    prompt: z.string().min(1).max(10_000).describe("Text to start from"),
    style: z.enum(["echo", "uppercase", "story"]).default("story").describe("What to write"),
    ...simulationInputs,
  })
  .meta({ title: "TextFromPromptInput", description: "Writes text from the prompt." });

const OPENINGS = ["Once upon a time", "Long ago", "In a quiet town", "Far beyond the hills"];
const TURNS = ["everything changed", "a door opened", "the lights went out", "someone laughed"];

/** Built-in, offline text generator. */
export const textFromPrompt: Generator<typeof inputSchema> = {
  name: "text-from-prompt",
  artifactType: "text",
  description: "Offline demo: echoes, shouts or spins a tiny story from the prompt.",
  inputSchema,
  // Runs offline: free, unless the generators file gives this entry a `cost`.
  estimateCost: () => 0,
  async generate(inputs, ctx) {
    await simulateWork(ctx, inputs.delay_ms, inputs.progress_steps);
    const rand = random(seedFrom(inputs.prompt));
    const pick = (list: string[]) => list[Math.floor(rand() * list.length)]!;
    const content =
      inputs.style === "echo"
        ? inputs.prompt
        : inputs.style === "uppercase"
          ? inputs.prompt.toUpperCase()
          : `${pick(OPENINGS)}, ${inputs.prompt.trim()}. Then ${pick(TURNS)}, and nothing was the same again.`;
    await ctx.storeTextResult({ content, format: "plain" });
  },
};
