/**
 * S3-compatible backend (AWS S3, MinIO, Cloudflare R2, GCS interoperability, Supabase Storage's
 * S3 endpoint) on the AWS SDK v3. Uploads stream through multipart uploads (lib-storage), so
 * an object is never held in memory whole; reads stream, with byte ranges passed to S3.
 */
import { PassThrough, Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertSafeKey } from "./storageKey.js";
import { RangeNotSatisfiableError, type PutOptions, type StorageBackend, type StoredObject } from "./StorageBackend.js";

export type S3StorageConfig = {
  bucket: string;
  region: string;
  /** Custom endpoint (MinIO, R2, …); AWS when absent. */
  endpoint?: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  forcePathStyle?: boolean | undefined;
  /** Static credentials; the SDK's default chain (env, profile, instance role) when absent. */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  sessionToken?: string | undefined;
  /** Public or CDN base for object URLs, e.g. `https://cdn.example.com`. */
  publicUrlBase?: string | undefined;
  /** Prefix under which this backend's keys live in the bucket. */
  prefix?: string | undefined;
  /** Multipart part size in bytes (S3 minimum 5 MiB). */
  partSize?: number | undefined;
};

function parseContentRange(header: string | undefined): { start: number; end: number; size: number } | undefined {
  const match = header && /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header);
  return match ? { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) } : undefined;
}

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === "NoSuchKey" || error.name === "NotFound" || error.$metadata.httpStatusCode === 404);

export class S3Storage implements StorageBackend {
  readonly name: string;
  /** Only with a public/CDN base; a bucket itself is assumed private, so every URL is presigned. */
  readonly publicUrls: boolean;
  private readonly client: S3Client;

  constructor(
    private readonly config: S3StorageConfig,
    name = "s3",
  ) {
    this.name = name;
    this.publicUrls = Boolean(config.publicUrlBase);
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle ?? Boolean(config.endpoint),
      credentials:
        config.accessKeyId && config.secretAccessKey
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken }
          : undefined,
    });
  }

  private objectKey(key: string): string {
    assertSafeKey(key);
    return this.config.prefix ? `${this.config.prefix.replace(/\/+$/, "")}/${key}` : key;
  }

  async put(key: string, body: Readable | Uint8Array, options: PutOptions): Promise<{ size: number }> {
    let size = 0;
    let stream: Readable | Uint8Array = body;
    if (!(body instanceof Uint8Array)) {
      // Count bytes as they pass, so the size is known without buffering the upload.
      const counter = new PassThrough();
      counter.on("data", (chunk: Buffer) => (size += chunk.length));
      body.on("error", (err) => counter.destroy(err));
      stream = body.pipe(counter);
    } else {
      size = body.byteLength;
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: this.objectKey(key), Body: stream, ContentType: options.contentType },
      partSize: this.config.partSize ?? 8 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();
    return { size };
  }

  async get(key: string, range?: { start?: number; end?: number; suffix?: number }): Promise<StoredObject | null> {
    const Key = this.objectKey(key);
    let header: string | undefined;
    try {
      if (range?.suffix !== undefined) {
        // Suffix ranges are resolved against the size first: not every S3-compatible server
        // implements `bytes=-n` correctly.
        const size = (await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key }))).ContentLength ?? 0;
        if (size === 0) throw new RangeNotSatisfiableError(0);
        header = `bytes=${Math.max(0, size - range.suffix)}-${size - 1}`;
      } else if (range) {
        header = `bytes=${range.start ?? 0}-${range.end ?? ""}`;
      }
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key, Range: header }));
      const contentType = out.ContentType ?? "application/octet-stream";
      const body = out.Body as Readable;
      const returned = parseContentRange(out.ContentRange);
      if (returned) return { body, size: returned.size, contentType, range: { start: returned.start, end: returned.end } };
      return { body, size: out.ContentLength ?? 0, contentType };
    } catch (error) {
      if (error instanceof RangeNotSatisfiableError) throw error;
      if (isMissing(error)) return null;
      if (error instanceof S3ServiceException && (error.name === "InvalidRange" || error.$metadata.httpStatusCode === 416)) {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key }));
        throw new RangeNotSatisfiableError(head.ContentLength ?? 0);
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
  }

  /**
   * A presigned GET, valid until `expiresAt` (at most 7 days, S3's limit). Its answer may be
   * cached privately until the link expires (an absolute `Expires`: a `max-age` would count from
   * the answer, past the link), never publicly nor heuristically longer.
   */
  async privateUrl(key: string, expiresAt: Date): Promise<string> {
    const expiresIn = Math.max(1, Math.min(604_800, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)));
    const command = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: this.objectKey(key),
      ResponseCacheControl: "private",
      ResponseExpires: new Date(Date.now() + expiresIn * 1000),
    });
    return getSignedUrl(this.client, command, { expiresIn });
  }

  url(key: string): string {
    const path = this.objectKey(key).split("/").map(encodeURIComponent).join("/");
    if (this.config.publicUrlBase) return `${this.config.publicUrlBase.replace(/\/+$/, "")}/${path}`;
    if (this.config.endpoint) return `${this.config.endpoint.replace(/\/+$/, "")}/${this.config.bucket}/${path}`;
    return `https://${this.config.bucket}.s3.${this.config.region}.amazonaws.com/${path}`;
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
