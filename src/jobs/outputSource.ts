/**
 * Opens a generator's output as a stream: bytes in memory, a stream, a data: URL, or an
 * http(s) URL (a provider's result), downloaded with a time limit; then bounds it to the
 * storage size limit.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { OutputSource } from "../generators/Generator.js";
import { PermanentGeneratorError } from "../generators/Generator.js";
import { captureToFile } from "../lib/captureToFile.js";

const DOWNLOAD_TIMEOUT_MS = 60_000;

export async function openOutput(source: OutputSource, signal: AbortSignal): Promise<Readable | Uint8Array> {
  if ("data" in source) return source.data;
  if ("stream" in source) return source.stream;
  const url = source.url;
  if (url.startsWith("data:")) {
    const match = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url);
    if (!match) throw new PermanentGeneratorError("Malformed data: URL in generator output");
    return match[1] ? Buffer.from(match[2]!, "base64") : Buffer.from(decodeURIComponent(match[2]!), "utf8");
  }
  if (!/^https?:\/\//i.test(url)) throw new PermanentGeneratorError(`Unsupported output URL scheme: ${url.split(":")[0]}`);
  const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]) });
  if (!response.ok || !response.body) {
    const message = `Failed to download generator output: HTTP ${response.status}`;
    // A 4xx will not get better on retry; a 5xx might.
    if (response.status >= 400 && response.status < 500) throw new PermanentGeneratorError(message);
    throw new Error(message);
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/** An output ready for a storage provider: its bytes, and its size when known beforehand. */
export type PreparedOutput = { body: Readable | Uint8Array; size: number | undefined };

/**
 * Bounds an opened output to `maxBytes` (larger outputs fail for good: a retry would produce
 * them again) and, when routing depends on size, learns the size of a stream by spooling it to
 * a private file under `spoolDir()` first.
 */
export async function prepareOutput(
  body: Readable | Uint8Array,
  options: { maxBytes: number; needSize: boolean; spoolDir: () => Promise<string>; signal: AbortSignal },
): Promise<PreparedOutput> {
  const tooLarge = () => new PermanentGeneratorError(`Generator output exceeds the storage limit of ${options.maxBytes} bytes`);
  if (body instanceof Uint8Array) {
    if (body.length > options.maxBytes) throw tooLarge();
    return { body, size: body.length };
  }
  async function* bounded() {
    let seen = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (seen > options.maxBytes) throw tooLarge();
      yield chunk;
    }
  }
  if (!options.needSize) return { body: Readable.from(bounded()), size: undefined };
  const path = join(await options.spoolDir(), `output-${randomUUID()}`);
  try {
    const { size } = await captureToFile(bounded(), path);
    options.signal.throwIfAborted();
    const file = createReadStream(path);
    // The spool file goes as soon as the provider has read it (or gave up).
    file.once("close", () => void rm(path, { force: true }));
    return { body: file, size };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
