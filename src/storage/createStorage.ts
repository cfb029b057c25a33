import type { Env } from "../env.js";
import { LocalStorage } from "./LocalStorage.js";
import { S3Storage } from "./S3Storage.js";
import type { StorageBackend } from "./StorageBackend.js";
import type { UrlSigner } from "./UrlSigner.js";

/**
 * The storage backend named by BOARDS_STORAGE_DEFAULT_PROVIDER: the local filesystem (served by
 * GET /api/storage/...) or an S3-compatible bucket (objects served by the bucket or its CDN).
 */
export function createStorage(config: Env["storage"], signer: UrlSigner): StorageBackend {
  if (config.provider === "s3") {
    const s3 = config.s3;
    return new S3Storage({
      bucket: s3.bucket!,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: s3.forcePathStyle,
      publicUrlBase: s3.publicUrlBase,
      prefix: s3.prefix,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
  }
  return new LocalStorage(config.localBasePath, config.localPublicUrlBase, signer);
}
