/**
 * One contract, every storage backend: the same behaviour from the local filesystem backend and
 * from the S3 backend against a real S3-API server.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStorage } from "../src/storage/LocalStorage.js";
import { S3Storage } from "../src/storage/S3Storage.js";
import { InvalidStorageKeyError, RangeNotSatisfiableError, type StorageBackend } from "../src/storage/StorageBackend.js";
import { startS3Server, type TestS3 } from "./helpers/s3Server.js";

type Harness = { storage: StorageBackend; dispose(): Promise<void> };

const backends: Array<[string, () => Promise<Harness>]> = [
  [
    "local",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "boards-contract-"));
      return { storage: new LocalStorage(dir, "http://files.test/api/storage"), dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
  [
    "s3",
    async () => {
      const s3: TestS3 = await startS3Server();
      const storage = new S3Storage({
        bucket: s3.bucket,
        region: "us-east-1",
        endpoint: s3.endpoint,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        partSize: 5 * 1024 * 1024,
      });
      return {
        storage,
        async dispose() {
          storage.close();
          await s3.close();
        },
      };
    },
  ],
];

async function text(object: { body: Readable } | null): Promise<string> {
  if (!object) throw new Error("object missing");
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe.each(backends)("storage contract: %s", (_name, make) => {
  let harness: Harness;
  let storage: StorageBackend;
  beforeAll(async () => {
    harness = await make();
    storage = harness.storage;
  });
  afterAll(() => harness.dispose());

  it("stores bytes and reads them back with size and content type", async () => {
    const { size } = await storage.put("t/a/original", Buffer.from("hello world"), { contentType: "text/plain; charset=utf-8" });
    expect(size).toBe(11);
    const object = await storage.get("t/a/original");
    expect(object?.size).toBe(11);
    expect(object?.contentType).toBe("text/plain; charset=utf-8");
    expect(await text(object)).toBe("hello world");
  });

  it("stores a stream and reports its size", async () => {
    const { size } = await storage.put("t/stream/original", Readable.from([Buffer.from("ab"), Buffer.from("cde")]), { contentType: "application/octet-stream" });
    expect(size).toBe(5);
    expect(await text(await storage.get("t/stream/original"))).toBe("abcde");
  });

  it("replaces an object written again under the same key (retries are idempotent)", async () => {
    await storage.put("t/again/original", Buffer.from("first"), { contentType: "text/plain" });
    await storage.put("t/again/original", Buffer.from("second!"), { contentType: "image/png" });
    const object = await storage.get("t/again/original");
    expect(object?.contentType).toBe("image/png");
    expect(await text(object)).toBe("second!");
  });

  it("reads byte ranges: closed, open-ended, suffix and clipped", async () => {
    await storage.put("t/range/original", Buffer.from("0123456789"), { contentType: "text/plain" });
    const closed = await storage.get("t/range/original", { start: 2, end: 5 });
    expect(closed?.range).toEqual({ start: 2, end: 5 });
    expect(closed?.size).toBe(10);
    expect(await text(closed)).toBe("2345");
    const open = await storage.get("t/range/original", { start: 7 });
    expect(open?.range).toEqual({ start: 7, end: 9 });
    expect(await text(open)).toBe("789");
    const suffix = await storage.get("t/range/original", { suffix: 3 });
    expect(suffix?.range).toEqual({ start: 7, end: 9 });
    expect(await text(suffix)).toBe("789");
    const clipped = await storage.get("t/range/original", { start: 8, end: 500 });
    expect(clipped?.range).toEqual({ start: 8, end: 9 });
    expect(await text(clipped)).toBe("89");
  });

  it("refuses a range that starts past the end, naming the object's size", async () => {
    await storage.put("t/past/original", Buffer.from("abc"), { contentType: "text/plain" });
    const error = await storage.get("t/past/original", { start: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeNotSatisfiableError);
    expect((error as RangeNotSatisfiableError).size).toBe(3);
  });

  it("answers null for a missing key and deletes idempotently", async () => {
    expect(await storage.get("t/none/original")).toBeNull();
    await storage.put("t/del/original", Buffer.from("x"), { contentType: "text/plain" });
    await storage.delete("t/del/original");
    expect(await storage.get("t/del/original")).toBeNull();
    await expect(storage.delete("t/del/original")).resolves.toBeUndefined();
  });

  it("streams a large object through in parts and returns it intact", async () => {
    const data = randomBytes(12 * 1024 * 1024 + 17);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    const { size } = await storage.put("t/large/original", Readable.from(chunks), { contentType: "application/octet-stream" });
    expect(size).toBe(data.length);
    const object = await storage.get("t/large/original");
    const back: Buffer[] = [];
    for await (const chunk of object!.body) back.push(Buffer.from(chunk as Uint8Array));
    expect(sha256(Buffer.concat(back))).toBe(sha256(data));
  });

  it.each(["../x", "a/../b", "/abs", "a//b", "a\\b", "a/./b", "", "a/b\u0000"])("refuses the unsafe key %j", async (key) => {
    await expect(storage.put(key, Buffer.from("x"), { contentType: "text/plain" })).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it("builds a URL for each key", () => {
    const url = storage.url("t/a/original");
    expect(url).toMatch(/^https?:\/\//);
    expect(url.endsWith("/t/a/original")).toBe(true);
  });
});
