/**
 * Opens a generator's output as a stream: bytes in memory, a stream, a data: URL, or an
 * http(s) URL (a provider's result), downloaded with a time limit.
 */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { OutputSource } from "../generators/Generator.js";
import { PermanentGeneratorError } from "../generators/Generator.js";

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
