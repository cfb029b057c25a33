import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Bytes kept from the start of a captured file, for content sniffing. */
export const HEAD_BYTES = 4096;

/**
 * Streams `source` into a new private file at `path`, counting its bytes and keeping its first
 * HEAD_BYTES, so an upload is never held in memory whole.
 */
export async function captureToFile(source: Readable | AsyncIterable<Buffer>, path: string): Promise<{ size: number; head: Buffer }> {
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  async function* counted() {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (headLength < HEAD_BYTES) {
        head.push(chunk.subarray(0, HEAD_BYTES - headLength));
        headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
      }
      yield chunk;
    }
  }
  await pipeline(Readable.from(counted()), createWriteStream(path, { mode: 0o600 }));
  return { size, head: Buffer.concat(head) };
}
