import { instrumentStorage } from "../metrics/instrumentStorage.js";
import { LocalStorage } from "./LocalStorage.js";
import { S3Storage } from "./S3Storage.js";
import type { StorageBackend } from "./StorageBackend.js";
import type { StorageConfig } from "./storageConfig.js";
import { StorageRouter } from "./StorageRouter.js";
import type { UrlSigner } from "./UrlSigner.js";
import { tracedStorage } from "../tracing/tracedStorage.js";

/**
 * The configured storage providers behind their router: local directories (served by
 * GET /api/storage/...) and S3-compatible buckets (objects served by the bucket or its CDN).
 */
export function createStorage(config: StorageConfig, signer: UrlSigner): StorageRouter {
  const backends: StorageBackend[] = Object.entries(config.providers).map(([name, p]) => {
    if (p.type === "s3") {
      const { type: _type, ...s3 } = p;
      return tracedStorage(instrumentStorage(new S3Storage(s3, name)));
    }
    return tracedStorage(instrumentStorage(new LocalStorage(p.basePath, p.publicUrlBase, signer, name)));
  });
  return new StorageRouter(backends, config.defaultProvider, config.rules, config.maxFileSize);
}
