/**
 * Replicate, OpenAI and Kie generators end to end, through GraphQL, a real worker and a fake of
 * each provider on loopback: submitted with Boards' argument names, followed by polling or by a
 * signed webhook, outputs copied into our storage, the provider's errors as FAILED with its
 * reason, a cancel reaching the provider, OpenAI finishing inside the run job, and an audio
 * artifact transcribed by Whisper.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKieFake, type KieFake } from "./fakes/kieFake.js";
import { startOpenAIFake } from "./fakes/openaiFake.js";
import { startReplicateFake } from "./fakes/replicateFake.js";
import { awaitCompleted, awaitGeneration, download, pngSize, readGeneration, submitGeneration } from "./helpers/pipeline.js";
import { acceptedDeliveries, parkedRow, providerScene, type ProviderScene } from "./helpers/providerRuns.js";

type ReplicateFake = Awaited<ReturnType<typeof startReplicateFake>>;
type OpenAIFake = Awaited<ReturnType<typeof startOpenAIFake>>;

const FLUX = { generatorName: "replicate-flux-pro", artifactType: "IMAGE" };
const FLUX_PATH = "/v1/models/black-forest-labs/flux-1.1-pro/predictions";

/** The bodies the Replicate fake received for new predictions with this prompt. */
const replicateSubmits = (fake: ReplicateFake, prompt: string) =>
  fake.requests.filter((r) => r.method === "POST" && r.path === FLUX_PATH && (r.body as { input?: { prompt?: string } }).input?.prompt === prompt);

/** Replicate, OpenAI and Kie fakes, followed by polling from one server. */
const polled = {} as { replicate: ReplicateFake; openai: OpenAIFake; kie: KieFake; scene: ProviderScene };
/** Replicate and Kie fakes that call back, and a server with a public URL for them. */
const hooked = {} as { replicate: ReplicateFake; kie: KieFake; scene: ProviderScene };

describe("provider generators, polled", () => {
  beforeAll(async () => {
    polled.replicate = await startReplicateFake({ delayMs: 300 });
    polled.openai = await startOpenAIFake({ delayMs: 50 });
    polled.kie = await startKieFake({ delayMs: 300 });
    polled.scene = await providerScene(
      { replicate: polled.replicate.url, openai: polled.openai.url, kie: polled.kie.url },
      { REPLICATE_API_TOKEN: "r8_test", OPENAI_API_KEY: "sk-test", KIE_API_KEY: polled.kie.apiKey },
    );
  });
  afterAll(async () => {
    await polled.scene?.server.close();
    await Promise.all([polled.replicate?.close(), polled.openai?.close(), polled.kie?.close()]);
  });

  describe("Replicate", () => {
    it("completes with the prediction's image stored here, after sending Boards' arguments", async () => {
      const { server, owner, boardId } = polled.scene;
      const queued = await submitGeneration(owner, { ...FLUX, boardId, inputParams: { prompt: "a red barn", aspect_ratio: "16:9" } });
      const done = await awaitCompleted(owner, queued.id);

      const [submit, ...again] = replicateSubmits(polled.replicate, "a red barn");
      expect(again).toEqual([]);
      expect(submit?.body).toEqual({ input: { prompt: "a red barn", aspect_ratio: "16:9", safety_tolerance: 2 } });
      expect(submit?.headers.authorization).toBe("Bearer r8_test");

      expect(done.storageUrl?.startsWith(server.url)).toBe(true);
      const file = await download(done.storageUrl!);
      expect(file.status).toBe(200);
      expect(pngSize(file.bytes)).toEqual({ width: 64, height: 48 });
      expect(done.outputMetadata).toMatchObject({ format: "png" });
    });

    it("a failed prediction fails the generation with the provider's message", async () => {
      polled.replicate.options.outcome = "error";
      try {
        const { owner, boardId } = polled.scene;
        const queued = await submitGeneration(owner, { ...FLUX, boardId, inputParams: { prompt: "out of memory" } });
        const done = await awaitGeneration(owner, queued.id);
        expect(done.status).toBe("FAILED");
        expect(done.errorMessage).toMatch(/CUDA out of memory/);
        expect(done.errorMessage).not.toContain("r8_test");
      } finally {
        polled.replicate.options.outcome = "success";
      }
    });

    it("cancelling a parked generation cancels the prediction at Replicate", async () => {
      polled.replicate.options.delayMs = 60_000;
      try {
        const { server, owner, boardId } = polled.scene;
        const queued = await submitGeneration(owner, { ...FLUX, boardId, inputParams: { prompt: "never mind" } });
        const parked = await parkedRow(server, queued.id);
        const cancelled = await owner.ok<{ cancelGeneration: { status: string } }>(`mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`, { id: queued.id });
        expect(cancelled.cancelGeneration.status).toBe("CANCELLED");
        await expect
          .poll(() => polled.replicate.requests.some((r) => r.method === "POST" && r.path === `/v1/predictions/${parked.externalJobId}/cancel`), { timeout: 15_000, interval: 100 })
          .toBe(true);
        expect((await readGeneration(owner, queued.id))?.status).toBe("CANCELLED");
      } finally {
        polled.replicate.options.delayMs = 300;
      }
    });
  });

  describe("OpenAI", () => {
    it("DALL-E 3 completes in the run job itself, never parked, with the image stored here", async () => {
      const { server, owner, boardId } = polled.scene;
      const queued = await submitGeneration(owner, { boardId, generatorName: "openai-dall-e-3", artifactType: "IMAGE", inputParams: { prompt: "a teapot", quality: "hd" } });
      const done = await awaitCompleted(owner, queued.id);
      const submits = polled.openai.requests.filter((r) => r.path === "/v1/images/generations" && (r.body as { prompt?: string }).prompt === "a teapot");
      expect(submits).toHaveLength(1);
      expect(submits[0]?.body).toEqual({ model: "dall-e-3", prompt: "a teapot", size: "1024x1024", quality: "hd", style: "vivid", n: 1 });
      const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: queued.id } });
      expect(row.externalJobId).toBeNull();
      expect(done.storageUrl?.startsWith(server.url)).toBe(true);
      expect(pngSize((await download(done.storageUrl!)).bytes)).toEqual({ width: 64, height: 48 });
    });

    it("a content-policy refusal fails the generation, saying so", async () => {
      polled.openai.options.outcome = "policy";
      try {
        const { owner, boardId } = polled.scene;
        const queued = await submitGeneration(owner, { boardId, generatorName: "openai-dall-e-3", artifactType: "IMAGE", inputParams: { prompt: "forbidden" } });
        const done = await awaitGeneration(owner, queued.id);
        expect(done.status).toBe("FAILED");
        expect(done.errorMessage).toMatch(/content policy/i);
        expect(done.errorMessage).not.toContain("sk-test");
      } finally {
        polled.openai.options.outcome = "success";
      }
    });

    it("Whisper transcribes an audio artifact made here and stores the text", async () => {
      const { owner, boardId } = polled.scene;
      const tone = await submitGeneration(owner, { boardId, generatorName: "audio-tone", artifactType: "AUDIO", inputParams: { prompt: "beep", duration_seconds: 0.5, sample_rate: 8000 } });
      const audio = await awaitCompleted(owner, tone.id);
      const wav = await download(audio.storageUrl!);

      const queued = await submitGeneration(owner, { boardId, generatorName: "openai-whisper", artifactType: "TEXT", inputParams: { audio_source: tone.id, language: "de" } });
      expect(queued.inputArtifacts).toEqual([expect.objectContaining({ generationId: tone.id, role: "audio_source", artifactType: "AUDIO" })]);
      const done = await awaitCompleted(owner, queued.id);

      const [upload, ...again] = polled.openai.requests.filter((r) => r.path === "/v1/audio/transcriptions");
      expect(again).toEqual([]);
      // Without a public URL the audio goes inline and is sent as the multipart file.
      expect(upload?.body).toEqual({ file: { filename: "audio.wav", size: wav.bytes.length, type: "audio/wav" }, model: "whisper-1", language: "de", prompt: "" });
      const text = await download(done.storageUrl!);
      expect(text.bytes.toString("utf8")).toBe("transcribed words");
      expect(done.outputMetadata).toMatchObject({ format: "plain", content: "transcribed words" });
    });
  });

  describe("Kie", () => {
    it("a Market model completes with its videos stored here, after a createTask with Boards' arguments", async () => {
      const { server, owner, boardId } = polled.scene;
      const queued = await submitGeneration(owner, { boardId, generatorName: "kie-seedance-2", artifactType: "VIDEO", inputParams: { prompt: "waves at night" } });
      const done = await awaitCompleted(owner, queued.id);
      const submit = polled.kie.requests.find((r) => r.path === "/api/v1/jobs/createTask" && (r.body as { input: { prompt: string } }).input.prompt === "waves at night");
      expect(submit?.body).toMatchObject({ model: "bytedance/seedance-2", input: { prompt: "waves at night" } });
      expect(submit?.body).not.toHaveProperty("callBackUrl");
      expect(done.storageUrl?.startsWith(server.url)).toBe(true);
      const file = await download(done.storageUrl!);
      expect(file.status).toBe(200);
      expect(file.bytes.toString("ascii", 4, 8)).toBe("ftyp");
      expect(done.outputMetadata).toMatchObject({ batch_index: 0, batch_size: 2 });
    });

    it("an artifact input is uploaded to Kie's file storage and sent as its download URL", async () => {
      const { owner, boardId } = polled.scene;
      const source = await submitGeneration(owner, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "first frame", width: 40, height: 30 } });
      const image = await download((await awaitCompleted(owner, source.id)).storageUrl!);
      const queued = await submitGeneration(owner, {
        boardId,
        generatorName: "kie-seedance-2",
        artifactType: "VIDEO",
        inputParams: { prompt: "from a picture", reference_image_sources: [source.id] },
      });
      await awaitCompleted(owner, queued.id);
      const uploads = polled.kie.requests.filter((r) => r.path === "/api/file-stream-upload");
      expect(uploads).toHaveLength(1);
      const form = uploads[0]!.body as { files: Array<{ field: string; size: number }> };
      expect(form.files).toEqual([expect.objectContaining({ field: "file", size: image.bytes.length })]);
      const submit = polled.kie.requests.find((r) => r.path === "/api/v1/jobs/createTask" && (r.body as { input: { prompt: string } }).input.prompt === "from a picture");
      expect((submit?.body as { input: { reference_image_urls?: string[] } }).input.reference_image_urls).toEqual([expect.stringMatching(new RegExp(`^${polled.kie.url}/files/uploads/.+-${source.id}\\.png$`))]);
    });

    it("a dedicated API (Suno sounds) completes with its audio stored here", async () => {
      const { server, owner, boardId } = polled.scene;
      const queued = await submitGeneration(owner, { boardId, generatorName: "kie-suno-sounds", artifactType: "AUDIO", inputParams: { prompt: "rain on a tin roof", sound_loop: true } });
      const done = await awaitCompleted(owner, queued.id);
      const submit = polled.kie.requests.find((r) => r.path === "/api/v1/generate/sounds");
      expect(submit?.body).toMatchObject({ prompt: "rain on a tin roof", soundLoop: true, soundKey: "Any", grabLyrics: false });
      expect(polled.kie.requests.some((r) => r.path === "/api/v1/generate/record-info")).toBe(true);
      expect(done.storageUrl?.startsWith(server.url)).toBe(true);
      const file = await download(done.storageUrl!);
      expect(file.bytes.toString("ascii", 0, 4)).toBe("RIFF");
    });

    it("insufficient credits fail the generation, saying so", async () => {
      polled.kie.options.outcome = "insufficient_credits";
      try {
        const { owner, boardId } = polled.scene;
        const queued = await submitGeneration(owner, { boardId, generatorName: "kie-seedance-2", artifactType: "VIDEO", inputParams: { prompt: "no money" } });
        const done = await awaitGeneration(owner, queued.id);
        expect(done.status).toBe("FAILED");
        expect(done.errorMessage).toMatch(/insufficient credits/i);
        expect(done.errorMessage).not.toContain(polled.kie.apiKey);
      } finally {
        polled.kie.options.outcome = "success";
      }
    });
  });
});

describe("provider generators, with webhooks", () => {
  beforeAll(async () => {
    hooked.replicate = await startReplicateFake({ delayMs: 300, webhook: "once" });
    hooked.kie = await startKieFake({ delayMs: 300, webhook: "once" });
    // No REPLICATE_WEBHOOK_SECRET: Replicate's signing secret is fetched from its API.
    hooked.scene = await providerScene(
      { replicate: hooked.replicate.url, kie: hooked.kie.url },
      { REPLICATE_API_TOKEN: "r8_test", KIE_API_KEY: hooked.kie.apiKey, KIE_WEBHOOK_HMAC_KEY: hooked.kie.webhookKey, BOARDS_PUBLIC_URL: "{url}" },
    );
  });
  afterAll(async () => {
    await hooked.scene?.server.close();
    await Promise.all([hooked.replicate?.close(), hooked.kie?.close()]);
  });

  describe("Replicate", () => {
    it("asks for a webhook and completes once the signed delivery arrives", async () => {
      const { server, owner, boardId } = hooked.scene;
      const queued = await submitGeneration(owner, { ...FLUX, boardId, inputParams: { prompt: "signed delivery" } });
      const done = await awaitCompleted(owner, queued.id);
      const [submit] = replicateSubmits(hooked.replicate, "signed delivery");
      expect(submit?.body).toEqual({
        input: { prompt: "signed delivery", aspect_ratio: "1:1", safety_tolerance: 2 },
        webhook: `${server.url}/api/webhooks/replicate`,
        webhook_events_filter: ["completed"],
      });
      // The delivery was verified with the fetched secret and woke the generation.
      expect(hooked.replicate.requests.some((r) => r.method === "GET" && r.path === "/v1/webhooks/default/secret")).toBe(true);
      expect(await acceptedDeliveries(server, "replicate")).toBe(1);
      expect(done.storageUrl?.startsWith(server.url)).toBe(true);
      expect(pngSize((await download(done.storageUrl!)).bytes)).toEqual({ width: 64, height: 48 });
    });
  });

  describe("Kie", () => {
    it("sends its callback URL and completes once the HMAC-signed callback arrives", async () => {
      const { server, owner, boardId } = hooked.scene;
      const queued = await submitGeneration(owner, { boardId, generatorName: "kie-suno-sounds", artifactType: "AUDIO", inputParams: { prompt: "a distant bell" } });
      const done = await awaitCompleted(owner, queued.id);
      const submit = hooked.kie.requests.find((r) => r.path === "/api/v1/generate/sounds");
      expect(submit?.body).toMatchObject({ prompt: "a distant bell", callBackUrl: `${server.url}/api/webhooks/kie` });
      await expect.poll(() => hooked.kie.callbacks.map((c) => c.status), { timeout: 5_000, interval: 50 }).toEqual([202]);
      expect(await acceptedDeliveries(server, "kie")).toBe(1);
      expect(done.storageUrl?.startsWith(server.url)).toBe(true);
    });
  });
});
