/**
 * Every one of Boards' 98 generators, run through the API against the four fake providers: each
 * is submitted with the inputs of a recorded Boards run (its artifact inputs replaced by real
 * generations of this board), parked at its provider, polled, and COMPLETED with its output
 * copied into our storage as the right kind of file (and Kie's Suno cover art as an additional
 * file). For fal, whose request body is the generator's argument object itself, the body must
 * equal the one Boards sent.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactFields } from "../src/generators/declarative/artifactFields.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import { startFalFake, type FalFake } from "./fakes/falFake.js";
import { startKieFake } from "./fakes/kieFake.js";
import { startOpenAIFake } from "./fakes/openaiFake.js";
import { startReplicateFake } from "./fakes/replicateFake.js";
import { newTenant, type Actor } from "./helpers/actors.js";
import { awaitGeneration, awaitCompleted, download, startIsolatedServer, submitGeneration, type GenerationView } from "./helpers/pipeline.js";
import { postUpload } from "./helpers/restUpload.js";
import type { TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";

type Run = { label: string; inputs: Record<string, unknown>; requests: Array<{ endpoint: string; body: Record<string, unknown> }>; error?: string; invalid?: string };
const recorded = JSON.parse(readFileSync(new URL("./fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as { generators: Record<string, Run[]> };
const catalogue = loadCatalogue();

/** A recorded run Boards completed: the required fields only, else every field set. */
function runFor(name: string): Run {
  const runs = recorded.generators[name] ?? [];
  const ok = (label: string) => runs.find((r) => r.label === label && !r.error && !r.invalid);
  const run = ok("required-only") ?? ok("all-fields");
  if (!run) throw new Error(`no completed recorded run for ${name}`);
  return run;
}

/** What the first bytes of a stored file say it is. */
function kindOf(bytes: Buffer): string {
  const ascii = (from: number, to: number) => bytes.subarray(from, to).toString("latin1");
  if (bytes[0] === 0x89 && ascii(1, 4) === "PNG") return "image";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image";
  if (ascii(4, 8) === "ftyp") return "video";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") return "audio";
  if (ascii(0, 3) === "ID3" || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return "audio";
  return "text";
}

/** A request body with every URL (ours, the recording's, a provider's) reduced to a marker. */
function withoutUrls(value: unknown): unknown {
  if (typeof value === "string") return /^(https?:|data:)/.test(value) ? "<url>" : value;
  if (Array.isArray(value)) return value.map(withoutUrls);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUrls(v)]));
  return value;
}

let fal: FalFake;
let closers: Array<() => Promise<void>> = [];
let server: TestServer;
let owner: Actor;
let boardId: string;
/** One generation of each artifact kind, for artifact inputs. */
const inputs: Record<string, string> = {};

beforeAll(async () => {
  fal = await startFalFake({ delayMs: 200 });
  // The recorded Replicate result is an image; the lip-sync model answers with a video.
  const lipsync = catalogue.find((d) => d.name === "replicate-lipsync")!.endpoint as { model: string };
  const replicate = await startReplicateFake({ delayMs: 200, outputs: { [lipsync.model]: "https://cdn.test/lipsync.mp4" } });
  const openai = await startOpenAIFake({ delayMs: 0 });
  const kie = await startKieFake({ delayMs: 200, imageFilesForImageModels: true });
  closers = [() => fal.close(), () => replicate.close(), () => openai.close(), () => kie.close()];
  server = await startIsolatedServer(
    {
      FAL_KEY: "fal-key",
      REPLICATE_API_TOKEN: "r8_test",
      OPENAI_API_KEY: "sk-test",
      KIE_API_KEY: kie.apiKey,
      BOARDS_PROVIDER_ENDPOINTS: JSON.stringify({ fal: fal.url, replicate: replicate.url, openai: openai.url, kie: kie.url }),
    },
    { worker: true },
  );
  owner = await (await newTenant(server)).user("owner");
  boardId = await createBoard(owner);
  const local = async (generatorName: string, artifactType: string, inputParams: Record<string, unknown>) =>
    (await awaitCompleted(owner, (await submitGeneration(owner, { boardId, generatorName, artifactType, inputParams })).id)).id;
  inputs.image = await local("image-from-prompt", "IMAGE", { prompt: "an input image" });
  inputs.audio = await local("audio-tone", "AUDIO", { prompt: "an input tone" });
  inputs.text = await local("text-from-prompt", "TEXT", { prompt: "an input text" });
  const clip = readFileSync(new URL("./fixtures/media/clip.mp4", import.meta.url));
  const video = await postUpload(server, owner, { board_id: boardId, artifact_type: "video" }, { bytes: clip, name: "clip.mp4", type: "video/mp4" });
  expect(video.status).toBe(200);
  inputs.video = String(video.body.id);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await Promise.all(closers.map((close) => close()));
});

describe("the 98 Boards generators through the API", () => {
  it("each completes against its fake provider with its output stored here", async () => {
    expect(catalogue).toHaveLength(98);
    const submitted: Array<{ name: string; artifactType: string; id: string; run: Run }> = [];
    for (const decl of catalogue) {
      const run = runFor(decl.name);
      const params: Record<string, unknown> = { ...run.inputs };
      for (const field of artifactFields(decl.inputSchema)) {
        const value = params[field.field];
        if (value === undefined || value === null) continue;
        params[field.field] = Array.isArray(value) ? value.map(() => inputs[field.kind]) : inputs[field.kind];
      }
      const g = await submitGeneration(owner, { boardId, generatorName: decl.name, artifactType: decl.artifactType.toUpperCase(), inputParams: params });
      submitted.push({ name: decl.name, artifactType: decl.artifactType, id: g.id, run });
    }

    const settled: Array<{ name: string; artifactType: string; g: GenerationView; run: Run }> = [];
    for (const s of submitted) settled.push({ ...s, g: await awaitGeneration(owner, s.id, 1200) });
    const failures = settled.filter((s) => s.g.status !== "COMPLETED").map((s) => `${s.name}: ${s.g.status} ${s.g.errorMessage}`);
    expect(failures).toEqual([]);

    for (const { name, artifactType, g } of settled) {
      expect(g.storageUrl?.startsWith(server.url), name).toBe(true);
      const file = await download(g.storageUrl!);
      expect(file.status, name).toBe(200);
      expect(kindOf(file.bytes), name).toBe(artifactType);
    }

    // Kie's Suno tracks keep their cover art as an additional file, stored here and deleted with them.
    const suno = settled.find((s) => s.name === "kie-suno-v5-5")!.g;
    const files = await owner.ok<{ generation: { additionalFiles: Array<{ url: string; type: string; metadata: { mime_type: string } }> } }>(
      `query($id: UUID!) { generation(id: $id) { additionalFiles { url type metadata } } }`,
      { id: suno.id },
    );
    expect(files.generation.additionalFiles).toHaveLength(1);
    const [cover] = files.generation.additionalFiles;
    expect(cover).toMatchObject({ type: "cover", metadata: { mime_type: "image/png" } });
    expect(cover!.url.startsWith(server.url)).toBe(true);
    const coverFile = await download(cover!.url);
    expect([coverFile.status, kindOf(coverFile.bytes)]).toEqual([200, "image"]);
    await owner.ok(`mutation($id: UUID!) { deleteGeneration(id: $id) }`, { id: suno.id });
    expect((await download(cover!.url)).status).toBe(404);

    // fal: the body is the argument object, as Boards built it.
    for (const { name, run } of settled.filter((s) => catalogue.find((d) => d.name === s.name)!.provider === "fal")) {
      const [expected] = run.requests;
      const sent = fal.requests.filter((r) => r.method === "POST" && r.path === `/${expected!.endpoint}`).map((r) => withoutUrls(r.body));
      expect(sent, name).toContainEqual(withoutUrls(expected!.body));
    }
  }, 600_000);
});
