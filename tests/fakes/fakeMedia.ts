/**
 * Real media bytes for fake provider servers to serve as their output files, so the pipeline
 * downloads, sniffs, measures and thumbnails them as it would a provider's files.
 */
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { encodeWav } from "../../src/lib/wav.js";

export type FakeFile = { contentType: string; bytes: Buffer };

let png: Buffer | undefined;
let wav: Buffer | undefined;
let mp4: Buffer | undefined;

async function pngBytes(): Promise<Buffer> {
  png ??= await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } }).png().toBuffer();
  return png;
}

function wavBytes(): Buffer {
  if (!wav) {
    const rate = 8000;
    const samples = new Float32Array(rate / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate);
    wav = encodeWav(samples, rate);
  }
  return wav;
}

/**
 * The file a fake serves for a path, chosen by its extension: images (and unknown extensions,
 * as Replicate's `.out`) are a 64×48 PNG, `.mp4`/`.webm`/`.mov` a real short clip, audio a
 * half-second WAV, `.txt` plain text.
 */
export async function fakeFileFor(path: string): Promise<FakeFile> {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? "";
  if (["mp4", "webm", "mov"].includes(ext)) {
    mp4 ??= readFileSync(new URL("../fixtures/media/clip.mp4", import.meta.url));
    return { contentType: "video/mp4", bytes: mp4 };
  }
  if (["wav", "mp3", "ogg", "flac", "m4a"].includes(ext)) return { contentType: "audio/wav", bytes: wavBytes() };
  if (ext === "txt") return { contentType: "text/plain", bytes: Buffer.from("fake transcript\n") };
  return { contentType: "image/png", bytes: await pngBytes() };
}

/** A copy of `value` with every `https://cdn.test/<name>` URL (as in the recorded results) moved to `${origin}/files/<name>`. */
export function rehostUrls<T>(value: T, origin: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll("https://cdn.test/", `${origin}/files/`)) as T;
}
