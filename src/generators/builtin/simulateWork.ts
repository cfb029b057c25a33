import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { GeneratorContext } from "../Generator.js";

/** Inputs every built-in generator accepts to simulate a slow provider. */
export const simulationInputs = {
  delay_ms: z.number().int().min(0).max(600_000).default(0).describe("Simulated work time in milliseconds"),
  progress_steps: z.number().int().min(0).max(100).default(4).describe("Progress updates sent during the simulated work"),
};

/**
 * Spends `delayMs` in `steps` slices, reporting progress up to `upTo` percent after each;
 * stops at once (throwing the abort reason) when the context's signal aborts.
 */
export async function simulateWork(ctx: GeneratorContext, delayMs: number, steps: number, upTo = 90): Promise<void> {
  const slices = Math.max(steps, 1);
  for (let i = 1; i <= slices; i++) {
    if (delayMs > 0) await sleep(delayMs / slices, undefined, { signal: ctx.signal });
    ctx.signal.throwIfAborted();
    if (steps > 0) await ctx.publishProgress({ progress: (upTo * i) / slices, phase: "processing", message: `Step ${i} of ${slices}` });
  }
}
