/**
 * Artifact inputs of a provider generator, end to end through GraphQL, a real worker and a fake
 * fal: an image made here by `image-from-prompt` is handed to an image-edit generator, and the
 * argument fal receives is a URL it can fetch. Without BOARDS_PUBLIC_URL the file is uploaded to
 * fal's storage; with it, the argument is a signed URL of our own storage that serves the input's
 * bytes; on S3 storage it is a presigned URL of the bucket. An optional artifact input is resolved the same way, and left out when not given.
 * (And one output check on the same fake: a file of another type than the generator's fails it.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFalFake, type FalFake } from "./fakes/falFake.js";
import { awaitCompleted, awaitGeneration, download, submitGeneration, type GenerationView } from "./helpers/pipeline.js";
import { providerScene, type ProviderScene } from "./helpers/providerRuns.js";
import { startS3Server, type TestS3 } from "./helpers/s3Server.js";

const EDIT = { generatorName: "fal-gpt-image-15-edit", artifactType: "IMAGE" };
const EDIT_PATH = "/fal-ai/gpt-image-1.5/edit";
/** An origin nothing outside this machine reaches. */
const INTERNAL = "http://localhost:9";

type EditArguments = { prompt?: string; image_urls?: string[]; mask_image_url?: string };

/** The arguments fal received for the edit with this prompt. */
function editArguments(fal: FalFake, prompt: string): EditArguments {
  const submits = fal.requests.filter((r) => r.method === "POST" && r.path === EDIT_PATH && (r.body as EditArguments).prompt === prompt);
  expect(submits).toHaveLength(1);
  return submits[0]!.body as EditArguments;
}

/** A completed PNG made here, and its bytes (read from this server whatever the storage's URL base). */
async function localImage(scene: ProviderScene, prompt: string): Promise<{ generation: GenerationView; bytes: Buffer }> {
  const queued = await submitGeneration(scene.owner, { boardId: scene.boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt, width: 40, height: 30 } });
  const generation = await awaitCompleted(scene.owner, queued.id);
  return { generation, bytes: (await download(generation.storageUrl!.replace(INTERNAL, scene.server.url))).bytes };
}

describe("artifact inputs of a fal generator, without a public URL", () => {
  let fal: FalFake;
  let scene: ProviderScene;

  beforeAll(async () => {
    fal = await startFalFake({ delayMs: 300, apiKey: "fal-test-key" });
    scene = await providerScene({ fal: fal.url }, { FAL_KEY: "fal-test-key" });
  });
  afterAll(async () => {
    await scene?.server.close();
    await fal?.close();
  });

  it("uploads each input to fal's storage and sends fal's file URLs, the optional mask included", async () => {
    const { owner, boardId } = scene;
    const image = await localImage(scene, "source");
    const mask = await localImage(scene, "mask");
    const queued = await submitGeneration(owner, { ...EDIT, boardId, inputParams: { prompt: "make it blue", image_urls: [image.generation.id], mask_image_url: mask.generation.id } });
    expect(queued.inputArtifacts.map((a) => [a.role, a.generationId])).toEqual(
      expect.arrayContaining([
        ["image_urls", image.generation.id],
        ["mask_image_url", mask.generation.id],
      ]),
    );
    await awaitCompleted(owner, queued.id);

    const args = editArguments(fal, "make it blue");
    const uploaded = `${fal.url}/files/upload-`;
    expect(args.image_urls).toEqual([expect.stringMatching(new RegExp(`^${uploaded}\\d+-${image.generation.id}\\.png$`))]);
    expect(args.mask_image_url).toMatch(new RegExp(`^${uploaded}\\d+-${mask.generation.id}\\.png$`));
    // The bytes fal received are the stored files.
    const puts = fal.requests.filter((r) => r.method === "PUT" && r.path.startsWith("/uploads/"));
    expect(puts.map((r) => (r.body as { size: number }).size).sort()).toEqual([image.bytes.length, mask.bytes.length].sort());
  });

  it("leaves an optional artifact input that is not given out of the request", async () => {
    const { owner, boardId } = scene;
    const image = await localImage(scene, "alone");
    const queued = await submitGeneration(owner, { ...EDIT, boardId, inputParams: { prompt: "no mask", image_urls: [image.generation.id] } });
    await awaitCompleted(owner, queued.id);
    const args = editArguments(fal, "no mask");
    expect(args.image_urls).toHaveLength(1);
    expect(args).not.toHaveProperty("mask_image_url");
  });

  it("an output that is not the generator's artifact type fails the run, saying what it is", async () => {
    const { owner, boardId } = scene;
    fal.options.result = { images: [{ url: `${fal.url}/files/sound.wav`, content_type: "image/png" }] };
    try {
      const queued = await submitGeneration(owner, { boardId, generatorName: "fal-nano-banana", artifactType: "IMAGE", inputParams: { prompt: "a picture, please" } });
      const done = await awaitGeneration(owner, queued.id);
      expect(done.status).toBe("FAILED");
      expect(done.errorMessage).toBe("The provider's output 1 is an audio file, not image");
    } finally {
      fal.options.result = undefined;
    }
  });
});

describe("artifact inputs of a fal generator, with a public URL", () => {
  let fal: FalFake;
  let scene: ProviderScene;

  beforeAll(async () => {
    fal = await startFalFake({ delayMs: 300, apiKey: "fal-test-key", webhook: "once" });
    // The storage's own URL base is internal (as its default, localhost, is): only
    // BOARDS_PUBLIC_URL is reachable from the provider.
    scene = await providerScene({ fal: fal.url }, { FAL_KEY: "fal-test-key", BOARDS_PUBLIC_URL: "{url}", BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: `${INTERNAL}/api/storage` });
  });
  afterAll(async () => {
    await scene?.server.close();
    await fal?.close();
  });

  it("sends signed URLs of our own storage that serve the inputs' bytes, uploading nothing", async () => {
    const { server, owner, boardId } = scene;
    const image = await localImage(scene, "source");
    const mask = await localImage(scene, "mask");
    const queued = await submitGeneration(owner, { ...EDIT, boardId, inputParams: { prompt: "make it red", image_urls: [image.generation.id], mask_image_url: mask.generation.id } });
    await awaitCompleted(owner, queued.id);

    const args = editArguments(fal, "make it red");
    expect(fal.requests.filter((r) => r.path.startsWith("/storage/upload/"))).toEqual([]);
    const [imageUrl] = args.image_urls ?? [];
    for (const [url, input] of [
      [imageUrl, image],
      [args.mask_image_url, mask],
    ] as const) {
      expect(url?.startsWith(`${server.url}/`)).toBe(true);
      // Signed, on the public origin.
      expect(new URL(url!).pathname).toBe(new URL(input.generation.storageUrl!).pathname);
      expect(new URL(url!).search).not.toBe("");
      const fetched = await download(url!);
      expect(fetched.status).toBe(200);
      expect(fetched.bytes.equals(input.bytes)).toBe(true);
      // Tampering with the signature is refused.
      const tampered = new URL(url!);
      const [name, value] = [...tampered.searchParams.entries()].at(-1)!;
      tampered.searchParams.set(name, `${value.slice(0, -2)}xx`);
      expect((await download(tampered.toString())).status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe("artifact inputs of a fal generator, on S3 storage", () => {
  let fal: FalFake;
  let s3: TestS3;
  let scene: ProviderScene;

  beforeAll(async () => {
    fal = await startFalFake({ delayMs: 300, apiKey: "fal-test-key" });
    s3 = await startS3Server("boards-inputs");
    scene = await providerScene({ fal: fal.url }, {
      FAL_KEY: "fal-test-key",
      BOARDS_STORAGE_DEFAULT_PROVIDER: "s3",
      BOARDS_STORAGE_S3_BUCKET: s3.bucket,
      BOARDS_STORAGE_S3_ENDPOINT: s3.endpoint,
      BOARDS_AWS_ACCESS_KEY_ID: s3.accessKeyId,
      BOARDS_AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
  });
  afterAll(async () => {
    await scene?.server.close();
    await s3?.close();
    await fal?.close();
  });

  it("sends presigned URLs of the bucket that serve the inputs' bytes, even without a public URL", async () => {
    const { owner, boardId } = scene;
    const image = await localImage(scene, "source");
    const queued = await submitGeneration(owner, { ...EDIT, boardId, inputParams: { prompt: "make it green", image_urls: [image.generation.id] } });
    const done = await awaitCompleted(owner, queued.id);
    expect(done.storageUrl?.startsWith(s3.endpoint)).toBe(true);

    const [url] = editArguments(fal, "make it green").image_urls ?? [];
    expect(fal.requests.filter((r) => r.path.startsWith("/storage/upload/"))).toEqual([]);
    expect(url?.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
    expect(new URL(url!).searchParams.get("X-Amz-Signature")).toBeTruthy();
    const fetched = await download(url!);
    expect(fetched.status).toBe(200);
    expect(fetched.bytes.equals(image.bytes)).toBe(true);
  });
});
