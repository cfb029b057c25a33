import { z } from "zod";
import { encodeWav } from "../../lib/wav.js";
import type { Generator } from "../Generator.js";
import { random, seedFrom } from "../../lib/seededRandom.js";
import { simulateWork, simulationInputs } from "./simulateWork.js";

const inputSchema = z
  .object({
    prompt: z.string().min(1).max(2000).describe("Text the melody is derived from"),
    duration_seconds: z.number().min(0.1).max(30).default(2).describe("Length in seconds"),
    sample_rate: z.number().int().min(8000).max(48000).default(22050).describe("Samples per second"),
    ...simulationInputs,
  })
  .meta({ title: "AudioToneInput", description: "Plays a short melody derived from the prompt." });

const SCALE = [261.63, 293.66, 329.63, 392.0, 440.0, 523.25, 587.33, 659.25];

/** Built-in, offline audio generator: a WAV melody derived from the prompt. */
export const audioTone: Generator<typeof inputSchema> = {
  name: "audio-tone",
  artifactType: "audio",
  description: "Offline demo: a WAV melody derived from the prompt (no network, no API key).",
  inputSchema,
  // Runs offline: free, unless the generators file gives this entry a `cost`.
  estimateCost: () => 0,
  async generate(inputs, ctx) {
    await simulateWork(ctx, inputs.delay_ms, inputs.progress_steps);
    const rand = random(seedFrom(inputs.prompt));
    const rate = inputs.sample_rate;
    const samples = new Float32Array(Math.round(inputs.duration_seconds * rate));
    const noteLength = Math.max(1, Math.round(rate * 0.25));
    let frequency = SCALE[0]!;
    for (let i = 0; i < samples.length; i++) {
      if (i % noteLength === 0) frequency = SCALE[Math.floor(rand() * SCALE.length)]!;
      const t = (i % noteLength) / rate;
      const envelope = Math.min(1, t * 50) * Math.exp(-3 * t);
      samples[i] = 0.5 * envelope * Math.sin(2 * Math.PI * frequency * (i / rate));
    }
    await ctx.storeAudioResult({
      source: { data: encodeWav(samples, rate) },
      format: "wav",
      duration: samples.length / rate,
      sampleRate: rate,
      channels: 1,
    });
  },
};
