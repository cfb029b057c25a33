/**
 * Makes the thumbnail of a stored artifact: images from the image itself, videos from a poster
 * frame when ffmpeg is available (it is optional: without it videos simply have none). A
 * thumbnail that cannot be made is logged and skipped; it never fails the upload or generation.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { extractPosterFrame, ffmpegWorks } from "../lib/ffmpeg.js";
import type { Logger } from "../logger.js";
import type { StorageBackend } from "./StorageBackend.js";
import { storeThumbnail, storeThumbnailOf, type Thumbnail } from "./thumbnails.js";

/** A thumbnail, and for videos the duration ffmpeg read from the container. */
export type MadeThumbnail = Thumbnail & { durationSeconds?: number };

const POSTER_TIMEOUT_MS = 30_000;

export class Thumbnailer {
  /** @param ffmpegPath a working ffmpeg, or null for no video posters */
  constructor(readonly ffmpegPath: string | null) {}

  /**
   * Looks for ffmpeg at `ffmpegPath` (a path, or a name found on PATH) unless posters are off;
   * logs whether video posters will be made.
   */
  static async create(options: { videoPosters: boolean; ffmpegPath: string }, logger: Logger): Promise<Thumbnailer> {
    if (!options.videoPosters) return new Thumbnailer(null);
    if (await ffmpegWorks(options.ffmpegPath)) return new Thumbnailer(options.ffmpegPath);
    logger.info({ ffmpeg: options.ffmpegPath }, "ffmpeg not found: videos get no poster frame (optional; see BOARDS_FFMPEG_PATH)");
    return new Thumbnailer(null);
  }

  /** The thumbnail of the object at `key`, stored beside it; null when there is none to make. */
  async make(artifactType: string, storage: StorageBackend, key: string, logger: Logger): Promise<MadeThumbnail | null> {
    if (artifactType === "IMAGE") return storeThumbnail(storage, key, logger);
    if (artifactType === "VIDEO" && this.ffmpegPath) return this.poster(this.ffmpegPath, storage, key, logger);
    return null;
  }

  private async poster(ffmpegPath: string, storage: StorageBackend, key: string, logger: Logger): Promise<MadeThumbnail | null> {
    // ffmpeg needs a seekable file (an MP4's index may sit at its end), so the video is copied
    // out of storage (possibly a remote bucket) first.
    const dir = await mkdtemp(join(tmpdir(), "boards-poster-"));
    try {
      const original = await storage.get(key);
      if (!original) return null;
      const file = join(dir, "video");
      await pipeline(original.body, createWriteStream(file, { mode: 0o600 }));
      const frame = await extractPosterFrame(ffmpegPath, file, { timeoutMs: POSTER_TIMEOUT_MS });
      const thumbnail = await storeThumbnailOf(storage, key, frame.png);
      return frame.durationSeconds === undefined ? thumbnail : { ...thumbnail, durationSeconds: frame.durationSeconds };
    } catch (err) {
      logger.warn({ err, key }, "could not make a video poster frame");
      return null;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
