import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { PermanentGeneratorError } from "../generators/Generator.js";
import { prepareOutput } from "./outputSource.js";

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), "prepare-output-"));
  return { dir, options: { maxBytes: 10, spoolDir: async () => dir, signal: new AbortController().signal } };
}

async function bodyText(body: Readable | Uint8Array) {
  return body instanceof Uint8Array ? Buffer.from(body).toString() : text(body);
}

describe("prepareOutput", () => {
  it("knows the size of bytes and refuses too many", async () => {
    const { options } = await setup();
    expect(await prepareOutput(Buffer.from("hello"), { ...options, needSize: true })).toMatchObject({ size: 5 });
    await expect(prepareOutput(Buffer.alloc(11), { ...options, needSize: false })).rejects.toThrow(PermanentGeneratorError);
  });

  it("passes a stream through when the size does not matter, failing once it grows past the limit", async () => {
    const { options } = await setup();
    const small = await prepareOutput(chunks("ab", "cd"), { ...options, needSize: false });
    expect(small.size).toBeUndefined();
    expect(await bodyText(small.body)).toBe("abcd");
    const large = await prepareOutput(chunks("123456", "789012"), { ...options, needSize: false });
    await expect(bodyText(large.body)).rejects.toThrow(/exceeds the storage limit of 10 bytes/);
  });

  it("spools a stream to learn its size when routing needs it, and removes the spool file once read", async () => {
    const { dir, options } = await setup();
    const prepared = await prepareOutput(chunks("abc", "defg"), { ...options, needSize: true });
    expect(prepared.size).toBe(7);
    expect(await readdir(dir)).toHaveLength(1);
    expect(await bodyText(prepared.body)).toBe("abcdefg");
    // Removed when the file stream closes, just after its last bytes were read.
    for (let i = 0; i < 100 && (await readdir(dir)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await readdir(dir)).toEqual([]);
  });

  it("leaves no spool file behind when the stream is too large", async () => {
    const { dir, options } = await setup();
    await expect(prepareOutput(chunks("123456", "789012"), { ...options, needSize: true })).rejects.toThrow(PermanentGeneratorError);
    expect(await readdir(dir)).toEqual([]);
  });
});
