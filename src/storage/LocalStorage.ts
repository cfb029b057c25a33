/**
 * Local filesystem backend: each object is a file under the base directory, with a `.meta`
 * JSON sidecar holding its content type (as Boards' local provider does). Writes go to a
 * temporary file first and are renamed into place, so readers never see half an object.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSafeKey } from "./storageKey.js";
import { UrlSigner } from "./UrlSigner.js";
import { InvalidStorageKeyError, RangeNotSatisfiableError, type PutOptions, type StorageBackend, type StoredObject } from "./StorageBackend.js";

/** Read size when serving: larger than the 64 KiB default, so big files take fewer syscalls and socket writes. */
const READ_CHUNK = 512 * 1024;

export class LocalStorage implements StorageBackend {
  /** Served by the API's storage route, which checks links and readers itself. */
  readonly publicUrls = true;
  private readonly root: string;

  constructor(
    basePath: string,
    private readonly publicUrlBase: string,
    /** Signs private links; verified by the storage route with the same signer. */
    readonly signer: UrlSigner = new UrlSigner(),
    readonly name = "local",
  ) {
    this.root = resolve(basePath);
  }

  /** Absolute path of a key, refusing anything outside the base directory. */
  private pathOf(key: string): string {
    assertSafeKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new InvalidStorageKeyError("Invalid storage key");
    return path;
  }

  async put(key: string, body: Readable | Uint8Array, options: PutOptions): Promise<{ size: number }> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${randomUUID()}.tmp`);
    try {
      await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, createWriteStream(temp));
      await writeFile(`${path}.meta`, JSON.stringify({ content_type: options.contentType }));
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { size: (await stat(path)).size };
  }

  async get(key: string, range?: { start?: number; end?: number; suffix?: number }): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      size = info.size;
    } catch {
      return null;
    }
    const contentType = await this.contentTypeOf(path);
    if (!range) return { body: createReadStream(path, { highWaterMark: READ_CHUNK }), size, contentType };
    let start: number;
    let end: number;
    if (range.suffix !== undefined) {
      start = Math.max(0, size - range.suffix);
      end = size - 1;
    } else {
      start = range.start ?? 0;
      end = Math.min(range.end ?? size - 1, size - 1);
    }
    if (start >= size || start > end) throw new RangeNotSatisfiableError(size);
    return { body: createReadStream(path, { start, end, highWaterMark: READ_CHUNK }), size, contentType, range: { start, end } };
  }

  private async contentTypeOf(path: string): Promise<string> {
    try {
      const meta = JSON.parse(await readFile(`${path}.meta`, "utf8")) as { content_type?: unknown };
      if (typeof meta.content_type === "string") return meta.content_type;
    } catch {
      // no sidecar: fall through
    }
    return "application/octet-stream";
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await rm(`${path}.meta`, { force: true });
  }

  async privateUrl(key: string, expiresAt: Date): Promise<string> {
    return `${this.url(key)}?${this.signer.query(assertSafeKey(key), expiresAt)}`;
  }

  url(key: string): string {
    return `${this.publicUrlBase.replace(/\/+$/, "")}/${assertSafeKey(key).split("/").map(encodeURIComponent).join("/")}`;
  }
}
