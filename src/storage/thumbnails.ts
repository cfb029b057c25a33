/**
 * Thumbnails: a WebP no larger than 256 × 256 (aspect kept), stored beside the original under
 * the same key with the `thumbnail` variant, so deleting a generation finds it. Images are
 * thumbnailed from the stored original; videos from a poster frame (videoPoster.ts).
 */
import type { Readable } from "node:stream";
import sharp from "sharp";
import type { Logger } from "../logger.js";
import type { StorageBackend } from "./StorageBackend.js";

export const THUMBNAIL_MAX_SIDE = 256;

export type Thumbnail = { key: string; url: string; width: number; height: number; size: number; original: { width: number; height: number } };

/** The thumbnail key of an original's key (`…/original` → `…/thumbnail`). */
export function thumbnailKeyOf(originalKey: string): string {
  return originalKey.replace(/\/[^/]+$/, "/thumbnail");
}

/**
 * Decodes `image` (a stream or bytes), stores its thumbnail for `originalKey` and returns it with
 * the image's real dimensions.
 * @throws when the input is not an image sharp can decode.
 */
export async function storeThumbnailOf(storage: StorageBackend, originalKey: string, image: Readable | Buffer): Promise<Thumbnail> {
  const pipeline = sharp({ failOn: "error", limitInputPixels: 100_000_000 });
  // A source that fails mid-read (a storage read error, a dropped connection) fails the
  // thumbnail: sharp's clones would otherwise wait for input forever, and its stream would
  // raise the error with nobody listening, which ends the process.
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  pipeline.on("error", fail);
  if (Buffer.isBuffer(image)) pipeline.end(image);
  else {
    image.on("error", (err) => {
      fail(err);
      pipeline.destroy(err);
    });
    image.pipe(pipeline);
  }
  const decoded = pipeline.clone();
  const [metadata, { data, info }] = await Promise.race([
    Promise.all([
      decoded.metadata(),
      pipeline
        .clone()
        .rotate()
        .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer({ resolveWithObject: true }),
    ]),
    failed,
  ]);
  const key = thumbnailKeyOf(originalKey);
  const { size } = await storage.put(key, data, { contentType: "image/webp" });
  return {
    key,
    url: storage.url(key),
    width: info.width,
    height: info.height,
    size,
    original: { width: metadata.width ?? info.width, height: metadata.height ?? info.height },
  };
}

/**
 * Reads the stored original image back (it may be in a remote bucket), and stores its thumbnail.
 * Returns null, logging why, when the original is not an image sharp can decode: a missing
 * thumbnail must not fail the generation.
 */
export async function storeThumbnail(storage: StorageBackend, originalKey: string, logger: Logger): Promise<Thumbnail | null> {
  const original = await storage.get(originalKey);
  if (!original) return null;
  try {
    return await storeThumbnailOf(storage, originalKey, original.body);
  } catch (err) {
    logger.warn({ err, key: originalKey }, "could not make a thumbnail");
    return null;
  }
}
