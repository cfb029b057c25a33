import { Readable } from "node:stream";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { StorageBackend } from "./StorageBackend.js";
import { storeThumbnailOf } from "./thumbnails.js";

/** Keeps what is stored in memory: only `put` and `url` are used by thumbnails. */
function memoryStorage() {
  const stored = new Map<string, Buffer>();
  const storage = {
    put: async (key: string, body: Uint8Array) => {
      stored.set(key, Buffer.from(body));
      return { size: body.byteLength };
    },
    url: (key: string) => `memory:${key}`,
  } as unknown as StorageBackend;
  return { storage, stored };
}

describe("storeThumbnailOf", () => {
  it("stores a WebP thumbnail of a streamed image with its real size", async () => {
    const png = await sharp({ create: { width: 600, height: 300, channels: 3, background: "#336699" } }).png().toBuffer();
    const { storage, stored } = memoryStorage();
    const thumbnail = await storeThumbnailOf(storage, "t/b/g/original", Readable.from([png.subarray(0, 100), png.subarray(100)]));
    expect(thumbnail).toMatchObject({ key: "t/b/g/thumbnail", width: 256, height: 128, original: { width: 600, height: 300 } });
    expect((await sharp(stored.get("t/b/g/thumbnail")!).metadata()).format).toBe("webp");
  });

  it("fails, without an unhandled stream error, when its source fails mid-read", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000" } }).png().toBuffer();
    let sent = false;
    const source = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(png.subarray(0, 20));
        } else this.destroy(new Error("storage read failed"));
      },
    });
    await expect(storeThumbnailOf(memoryStorage().storage, "t/b/g/original", source)).rejects.toThrow("storage read failed");
  });

  it("fails on bytes that are not an image", async () => {
    await expect(storeThumbnailOf(memoryStorage().storage, "t/b/g/original", Buffer.from("plain text, not pixels"))).rejects.toThrow();
  });
});
