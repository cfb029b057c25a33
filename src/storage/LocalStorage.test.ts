import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalStorage } from "./LocalStorage.js";
import { InvalidStorageKeyError, RangeNotSatisfiableError, type StoredObject } from "./StorageBackend.js";

let root: string;
let base: string;
let storage: LocalStorage;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "local-storage-test-"));
  base = join(root, "base");
  storage = new LocalStorage(base, "http://files.example/api/storage/");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const KEY = "tenant/image/board/gen_20260101000000_0123abcd/original";

async function bytesOf(object: StoredObject | null): Promise<Buffer> {
  expect(object).not.toBeNull();
  const chunks: Buffer[] = [];
  for await (const chunk of object!.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under `dir`, relative, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

/** A stream that yields `chunks`, then fails. */
function failingStream(chunks: Buffer[], error = new Error("upstream broke")): Readable {
  let index = 0;
  return new Readable({
    read() {
      if (index < chunks.length) this.push(chunks[index++]);
      else setImmediate(() => this.destroy(error));
    },
  });
}

describe("put / get / delete", () => {
  it("round-trips a Buffer with its content type", async () => {
    const body = Buffer.from("hello, storage");
    expect(await storage.put(KEY, body, { contentType: "text/plain; charset=utf-8" })).toEqual({ size: body.length });
    const object = await storage.get(KEY);
    expect(object).toMatchObject({ size: body.length, contentType: "text/plain; charset=utf-8" });
    expect(object!.range).toBeUndefined();
    expect((await bytesOf(object)).equals(body)).toBe(true);
    expect(await readFile(join(base, KEY))).toEqual(body);
  });

  it("round-trips a stream of many chunks", async () => {
    const chunks = Array.from({ length: 64 }, () => randomBytes(16 * 1024));
    const whole = Buffer.concat(chunks);
    expect(await storage.put(KEY, Readable.from(chunks), { contentType: "image/png" })).toEqual({ size: whole.length });
    const object = await storage.get(KEY);
    expect(object).toMatchObject({ size: whole.length, contentType: "image/png" });
    expect((await bytesOf(object)).equals(whole)).toBe(true);
  });

  it("round-trips an empty object", async () => {
    expect(await storage.put(KEY, Buffer.alloc(0), { contentType: "application/json" })).toEqual({ size: 0 });
    const object = await storage.get(KEY);
    expect(object).toMatchObject({ size: 0, contentType: "application/json" });
    expect((await bytesOf(object)).length).toBe(0);
  });

  it("replaces an existing object and its content type", async () => {
    await storage.put(KEY, Buffer.from("first version, longer"), { contentType: "text/plain" });
    await storage.put(KEY, Buffer.from("second"), { contentType: "image/webp" });
    const object = await storage.get(KEY);
    expect(object).toMatchObject({ size: 6, contentType: "image/webp" });
    expect((await bytesOf(object)).toString()).toBe("second");
  });

  it("deletes an object and its sidecar", async () => {
    await storage.put(KEY, Buffer.from("bye"), { contentType: "text/plain" });
    expect(await filesUnder(base)).toEqual([KEY, `${KEY}.meta`]);
    await storage.delete(KEY);
    expect(await storage.get(KEY)).toBeNull();
    expect(await filesUnder(base)).toEqual([]);
  });

  it("returns null for a missing key, and for a directory", async () => {
    expect(await storage.get(KEY)).toBeNull();
    expect(await storage.get("nothing")).toBeNull();
    await storage.put(KEY, Buffer.from("x"), { contentType: "text/plain" });
    expect(await storage.get("tenant/image")).toBeNull();
  });

  it("deleting a missing key is fine", async () => {
    await expect(storage.delete(KEY)).resolves.toBeUndefined();
    await expect(storage.delete("never/was")).resolves.toBeUndefined();
  });

  it("keeps objects under the base directory only", async () => {
    await storage.put("a/b", Buffer.from("x"), { contentType: "text/plain" });
    expect(await filesUnder(root)).toEqual(["base/a/b", "base/a/b.meta"]);
  });
});

describe("content type", () => {
  it("comes from the .meta sidecar", async () => {
    await storage.put(KEY, Buffer.from("x"), { contentType: "audio/wav" });
    expect(JSON.parse(await readFile(join(base, `${KEY}.meta`), "utf8"))).toEqual({ content_type: "audio/wav" });
    await writeFile(join(base, `${KEY}.meta`), JSON.stringify({ content_type: "video/mp4" }));
    expect((await storage.get(KEY))!.contentType).toBe("video/mp4");
  });

  it("is application/octet-stream without a usable sidecar", async () => {
    await storage.put(KEY, Buffer.from("x"), { contentType: "image/png" });
    for (const sidecar of ["not json", JSON.stringify({ content_type: 42 }), JSON.stringify({}), "null"]) {
      await writeFile(join(base, `${KEY}.meta`), sidecar);
      expect((await storage.get(KEY))!.contentType, sidecar).toBe("application/octet-stream");
    }
    await rm(join(base, `${KEY}.meta`));
    expect((await storage.get(KEY))!.contentType).toBe("application/octet-stream");
  });
});

describe("ranges", () => {
  const DATA = Buffer.from("0123456789abcdefghij");
  beforeEach(async () => {
    await storage.put(KEY, DATA, { contentType: "text/plain" });
  });

  it.each([
    [{ start: 0, end: 9 }, 0, 9],
    [{ start: 5, end: 5 }, 5, 5],
    [{ start: 10 }, 10, 19],
    [{ start: 0 }, 0, 19],
    [{ start: 15, end: 100 }, 15, 19],
    [{ suffix: 5 }, 15, 19],
    [{ suffix: 20 }, 0, 19],
    [{ suffix: 500 }, 0, 19],
  ])("%j → bytes %i-%i", async (range, start, end) => {
    const object = await storage.get(KEY, range);
    expect(object).toMatchObject({ size: DATA.length, range: { start, end }, contentType: "text/plain" });
    expect((await bytesOf(object)).equals(DATA.subarray(start, end + 1))).toBe(true);
  });

  it.each([[{ start: 20 }], [{ start: 25, end: 30 }], [{ start: 5, end: 2 }], [{ suffix: 0 }]])(
    "%j is not satisfiable",
    async (range) => {
      const error = await storage.get(KEY, range).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeNotSatisfiableError);
      expect((error as RangeNotSatisfiableError).size).toBe(DATA.length);
    },
  );

  it("a range of a missing key is null", async () => {
    expect(await storage.get("missing/key", { start: 0, end: 1 })).toBeNull();
  });
});

describe("invalid keys", () => {
  const INVALID = ["", "../x", "a/../../x", "/etc/passwd", "a//b", "a/", "./a", "a\\b", "..\\x", "a\u0000b", "a b", "x".repeat(1025)];

  it.each(INVALID)("%j is refused by put, get, delete and url", async (key) => {
    await expect(storage.put(key, Buffer.from("x"), { contentType: "text/plain" })).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    expect(() => storage.url(key)).toThrow(InvalidStorageKeyError);
  });

  it("nothing outside the base directory is read, written or deleted", async () => {
    await mkdir(base, { recursive: true });
    await writeFile(join(root, "outside.txt"), "secret");
    await expect(storage.get("../outside.txt")).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.put("../outside.txt", Buffer.from("overwritten"), { contentType: "text/plain" })).rejects.toBeInstanceOf(
      InvalidStorageKeyError,
    );
    await expect(storage.delete("../outside.txt")).rejects.toBeInstanceOf(InvalidStorageKeyError);
    expect(await readFile(join(root, "outside.txt"), "utf8")).toBe("secret");
    expect(await filesUnder(root)).toEqual(["outside.txt"]);
  });
});

describe("failed writes", () => {
  it("a stream that errors leaves no object, no sidecar and no temporary file", async () => {
    const error = new Error("upstream broke");
    await expect(storage.put(KEY, failingStream([randomBytes(1024), randomBytes(1024)], error), { contentType: "image/png" })).rejects.toBe(
      error,
    );
    expect(await storage.get(KEY)).toBeNull();
    expect(await filesUnder(base)).toEqual([]);
  });

  it("a failed overwrite keeps the previous object intact", async () => {
    await storage.put(KEY, Buffer.from("good"), { contentType: "text/plain" });
    await expect(storage.put(KEY, failingStream([Buffer.from("partial")]), { contentType: "image/png" })).rejects.toThrow("upstream broke");
    const object = await storage.get(KEY);
    expect(object).toMatchObject({ size: 4, contentType: "text/plain" });
    expect((await bytesOf(object)).toString()).toBe("good");
    expect(await filesUnder(base)).toEqual([KEY, `${KEY}.meta`]);
  });

  it("a stream that errors at once leaves nothing either", async () => {
    await expect(storage.put(KEY, failingStream([]), { contentType: "image/png" })).rejects.toThrow("upstream broke");
    expect(await filesUnder(base)).toEqual([]);
    expect((await stat(base)).isDirectory()).toBe(true);
  });
});

describe("url", () => {
  it("is the public base (without trailing slashes) plus the key", () => {
    expect(storage.url(KEY)).toBe(`http://files.example/api/storage/${KEY}`);
    expect(new LocalStorage(base, "http://h:1/files").url("a/b.png")).toBe("http://h:1/files/a/b.png");
    expect(new LocalStorage(base, "http://h:1/files///").url("a")).toBe("http://h:1/files/a");
  });
});
