import { open, readFile } from "node:fs/promises";
import { ProviderError, type InputFile } from "../ProviderAdapter.js";
import { falFetch, type FalTransport } from "./falFetch.js";

/** Above this size fal's client switches to a multipart upload, in parts of PART_BYTES. */
const MULTIPART_ABOVE_BYTES = 90 * 1024 * 1024;
const PART_BYTES = 10 * 1024 * 1024;

type Initiated = { uploadUrl: string; fileUrl: string };

async function initiate(transport: FalTransport, url: string, authorization: string, file: InputFile, signal: AbortSignal): Promise<Initiated> {
  const answer = await falFetch(transport, url, {
    method: "POST",
    headers: { authorization, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ content_type: file.contentType, file_name: file.filename }),
    signal,
  });
  const { upload_url: uploadUrl, file_url: fileUrl } = (answer.body ?? {}) as { upload_url?: unknown; file_url?: unknown };
  if (typeof uploadUrl !== "string" || typeof fileUrl !== "string") throw new ProviderError("transient", "fal's upload answer has no upload_url/file_url");
  return { uploadUrl, fileUrl };
}

/**
 * A large file in parts, as fal's client sends it: each part is PUT to `<upload_url
 * path>/<n>` (same query) and answers `{partNumber, etag}`; `<path>/complete` takes the list.
 */
async function uploadParts(transport: FalTransport, uploadUrl: string, file: InputFile, signal: AbortSignal): Promise<void> {
  const url = new URL(uploadUrl);
  const at = (suffix: string) => `${url.origin}${url.pathname}/${suffix}${url.search}`;
  const parts: Array<{ partNumber: number; etag: string }> = [];
  const handle = await open(file.path, "r");
  try {
    const { size } = await handle.stat();
    for (let offset = 0, partNumber = 1; offset < size; offset += PART_BYTES, partNumber++) {
      const chunk = Buffer.alloc(Math.min(PART_BYTES, size - offset));
      await handle.read(chunk, 0, chunk.length, offset);
      const answer = await falFetch(transport, at(String(partNumber)), { method: "PUT", body: chunk, signal });
      const etag = (answer.body as { etag?: unknown } | undefined)?.etag;
      if (typeof etag !== "string") throw new ProviderError("transient", `fal's storage gave part ${partNumber} no etag`);
      parts.push({ partNumber, etag });
    }
  } finally {
    await handle.close();
  }
  await falFetch(transport, at("complete"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ parts }), signal });
}

/**
 * Uploads a file to fal's storage the way fal's client does: `POST /storage/upload/initiate`
 * on fal's REST origin with `{content_type, file_name}` answers `{upload_url, file_url}`; the
 * bytes go to `upload_url` with a PUT (a pre-signed URL: it gets no Authorization header, so
 * the key never leaves fal's API hosts); `file_url` is what model inputs accept. Files over
 * 90 MB go through `initiate-multipart` and parts instead.
 * @throws ProviderError
 */
export async function falUpload(transport: FalTransport, restOrigin: string, authorization: string, file: InputFile, signal: AbortSignal): Promise<string> {
  if (file.size > MULTIPART_ABOVE_BYTES) {
    const { uploadUrl, fileUrl } = await initiate(transport, `${restOrigin}/storage/upload/initiate-multipart?storage_type=fal-cdn-v3`, authorization, file, signal);
    await uploadParts(transport, uploadUrl, file, signal);
    return fileUrl;
  }
  const { uploadUrl, fileUrl } = await initiate(transport, `${restOrigin}/storage/upload/initiate?storage_type=fal-cdn-v3`, authorization, file, signal);
  // Read whole (at most 90 MB): the PUT then has a Content-Length, which pre-signed URLs require.
  const bytes = await readFile(file.path);
  await falFetch(transport, uploadUrl, { method: "PUT", headers: { "content-type": file.contentType }, body: bytes, signal });
  return fileUrl;
}
