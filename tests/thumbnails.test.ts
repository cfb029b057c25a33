/**
 * Image outputs get a WebP thumbnail (at most 256 × 256, aspect kept, never enlarged) and their
 * measured dimensions; deleting the generation deletes the thumbnail too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, newTenant, type Actor } from "./helpers/actors.js";
import { awaitCompleted, download, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

let server: TestServer;
let owner: Actor;
let boardId: string;

beforeAll(async () => {
  server = await startIsolatedServer({}, { worker: true });
  owner = await (await newTenant(server)).user("owner");
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "thumbs" }) { id } }`)).createBoard.id;
});
afterAll(() => server.close());

/** Width and height of a lossy or lossless WebP (VP8 / VP8L / VP8X chunks). */
function webpSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 4).toString("ascii")).toBe("RIFF");
  expect(bytes.subarray(8, 12).toString("ascii")).toBe("WEBP");
  const chunk = bytes.subarray(12, 16).toString("ascii");
  if (chunk === "VP8 ") return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  if (chunk === "VP8L") {
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return { width: (bytes.readUIntLE(24, 3) & 0xffffff) + 1, height: (bytes.readUIntLE(27, 3) & 0xffffff) + 1 };
}

async function generate(inputParams: Record<string, unknown>, generatorName = "image-from-prompt", artifactType = "IMAGE") {
  const submitted = await submitGeneration(owner, { boardId, generatorName, artifactType, inputParams });
  return awaitCompleted(owner, submitted.id);
}

describe("thumbnails", () => {
  it("makes a smaller WebP within 256 × 256 with the original's aspect, and records the measured size", async () => {
    const done = await generate({ prompt: "wide fox", width: 600, height: 400 });
    expect(done.thumbnailUrl).toBeTruthy();
    const original = await download(done.storageUrl!);
    const thumbnail = await download(done.thumbnailUrl!);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.contentType).toBe("image/webp");
    expect(webpSize(thumbnail.bytes)).toEqual({ width: 256, height: 171 });
    expect(thumbnail.bytes.length).toBeLessThan(original.bytes.length);
    const meta = done.outputMetadata as { width: number; height: number; thumbnail: { url: string; width: number; height: number } };
    expect([meta.width, meta.height]).toEqual([600, 400]);
    expect(meta.thumbnail).toMatchObject({ url: done.thumbnailUrl!.split("?")[0], width: 256, height: 171 });
  });

  it("never enlarges a small image", async () => {
    const done = await generate({ prompt: "tiny", width: 64, height: 48 });
    expect(webpSize((await download(done.thumbnailUrl!)).bytes)).toEqual({ width: 64, height: 48 });
  });

  it("gives every image of a batch its own thumbnail", async () => {
    const primary = await generate({ prompt: "batch", width: 300, height: 300, num_images: 2 });
    const siblings = await server.prisma.generation.findMany({ where: { boardId, outputMetadata: { path: ["batch_id"], equals: primary.id } } });
    const urls = new Set(siblings.map((s) => s.thumbnailUrl));
    expect(siblings).toHaveLength(2);
    expect(urls.size).toBe(2);
    // Rows hold plain URLs of this private board's files: the owner's credentials open them.
    const asOwner = { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant };
    for (const url of urls) expect((await fetch(url!, { headers: asOwner })).status).toBe(200);
  });

  it("makes none for audio and text", async () => {
    const audio = await generate({ prompt: "beep", duration_seconds: 0.2 }, "audio-tone", "AUDIO");
    const text = await generate({ prompt: "hello" }, "text-from-prompt", "TEXT");
    expect(audio.thumbnailUrl).toBeNull();
    expect(text.thumbnailUrl).toBeNull();
  });

  it("deletes the thumbnail with the generation", async () => {
    const done = await generate({ prompt: "gone soon", width: 100, height: 100 });
    expectData(await owner.gql(`mutation($id: UUID!) { deleteGeneration(id: $id) }`, { id: done.id }));
    expect((await download(done.thumbnailUrl!)).status).toBe(404);
    expect((await download(done.storageUrl!)).status).toBe(404);
  });
});
