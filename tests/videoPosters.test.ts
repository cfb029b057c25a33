/**
 * Video poster frames: with ffmpeg, uploaded and generated videos get a WebP thumbnail of a
 * frame and their measured size and duration; without it they are stored all the same, with no
 * thumbnail. ffmpeg opens only video containers, never playlists that point elsewhere.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractPosterFrame, ffmpegWorks } from "../src/lib/ffmpeg.js";
import { newTenant, type Actor } from "./helpers/actors.js";
import { awaitCompleted, download, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import { postUpload } from "./helpers/restUpload.js";
import type { TestServer } from "./helpers/server.js";

const media = (name: string) => fileURLToPath(new URL(`./fixtures/media/${name}`, import.meta.url));
const VIDEO_PLUGIN = fileURLToPath(new URL("./fixtures/generators/videoFromFile.ts", import.meta.url));
const hasFfmpeg = await ffmpegWorks("ffmpeg");

async function uploadVideo(server: TestServer, actor: Actor, boardId: string, name: string, type: string) {
  const { status, body } = await postUpload(server, actor, { board_id: boardId, artifact_type: "video" }, { bytes: await readFile(media(name)), name, type });
  expect(status).toBe(200);
  return { body, row: await server.prisma.generation.findUniqueOrThrow({ where: { id: String(body.id) } }) };
}

async function ownerWithBoard(server: TestServer) {
  const owner = await (await newTenant(server)).user("owner");
  const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "videos", isPublic: true }) { id } }`)).createBoard.id;
  return { owner, boardId };
}

describe.runIf(hasFfmpeg)("with ffmpeg", () => {
  let server: TestServer;
  let owner: Actor;
  let boardId: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "boards-video-generators-"));
    const config = join(dir, "generators.yaml");
    await writeFile(config, `generators:\n  - module: ${VIDEO_PLUGIN}\n    export: createVideoFromFile\n    options: { path: ${media("clip.mp4")} }\n`);
    server = await startIsolatedServer({ BOARDS_GENERATORS_CONFIG_PATH: config }, { worker: true });
    ({ owner, boardId } = await ownerWithBoard(server));
  });
  afterAll(() => server?.close());

  it.each([
    ["clip.mp4", "video/mp4", { width: 320, height: 240, duration: 1.5 }, { width: 256, height: 192 }],
    ["clip.webm", "video/webm", { width: 160, height: 90, duration: 1 }, { width: 160, height: 90 }],
  ])("gives an uploaded %s a poster thumbnail and its measured size and duration", async (name, type, measured, thumbSize) => {
    const { body, row } = await uploadVideo(server, owner, boardId, name, type);
    expect(row.outputMetadata).toMatchObject({ mime_type: type, ...measured, thumbnail: thumbSize });
    expect(body.thumbnailUrl).toBeTruthy();
    const thumbnail = await download(String(body.thumbnailUrl));
    expect(thumbnail.contentType).toBe("image/webp");
    expect(await sharp(thumbnail.bytes).metadata()).toMatchObject({ format: "webp", ...thumbSize });
  });

  it("gives a generated video (streamed by its generator) a poster thumbnail", async () => {
    const submitted = await submitGeneration(owner, { boardId, generatorName: "fixture-video", artifactType: "VIDEO", inputParams: { prompt: "clip" } });
    const done = await awaitCompleted(owner, submitted.id);
    // The generator claimed 1 × 1; the measured size wins.
    expect(done.outputMetadata).toMatchObject({ mime_type: "video/mp4", width: 320, height: 240, duration: 1.5, thumbnail: { width: 256, height: 192 } });
    expect(await sharp((await download(done.thumbnailUrl!)).bytes).metadata()).toMatchObject({ format: "webp", width: 256, height: 192 });
  });

  it("deletes the poster with its video", async () => {
    const { row } = await uploadVideo(server, owner, boardId, "clip.mp4", "video/mp4");
    const thumbnailUrl = row.thumbnailUrl!;
    expect((await download(thumbnailUrl)).status).toBe(200);
    await owner.ok(`mutation($id: UUID!) { deleteGeneration(id: $id) }`, { id: row.id });
    expect((await download(thumbnailUrl)).status).toBe(404);
  });

  it("refuses to follow a playlist posing as a video to a local file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "boards-hostile-video-"));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#f00" } }).png().toFile(join(dir, "secret.png"));
    const playlist = join(dir, "video.mp4");
    await writeFile(playlist, `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\nfile://${join(dir, "secret.png")}\n#EXT-X-ENDLIST\n`);
    await expect(extractPosterFrame("ffmpeg", playlist, { timeoutMs: 10_000 })).rejects.toThrow(/no video frame/);
  });

  it("makes no poster of something that is not a video", async () => {
    const dir = await mkdtemp(join(tmpdir(), "boards-not-video-"));
    await writeFile(join(dir, "noise.mp4"), Buffer.alloc(4096, 0x41));
    await expect(extractPosterFrame("ffmpeg", join(dir, "noise.mp4"), { timeoutMs: 10_000 })).rejects.toThrow(/no video frame/);
  });
});

describe("without ffmpeg", () => {
  let server: TestServer;
  afterAll(() => server?.close());

  it("stores an uploaded video without a thumbnail", async () => {
    server = await startIsolatedServer({ BOARDS_FFMPEG_PATH: "/nonexistent/ffmpeg" });
    const { owner, boardId } = await ownerWithBoard(server);
    const { body, row } = await uploadVideo(server, owner, boardId, "clip.mp4", "video/mp4");
    expect(row.status).toBe("COMPLETED");
    expect(body.thumbnailUrl).toBeNull();
    expect(row.outputMetadata).not.toHaveProperty("thumbnail");
    const stored = await download(String(body.storageUrl));
    expect(stored.bytes.equals(await readFile(media("clip.mp4")))).toBe(true);
  });
});
