import { readFile } from "node:fs/promises";
import { ProviderError, type InputFile } from "../ProviderAdapter.js";
import { falFetch, type FalTransport } from "./falFetch.js";

/**
 * Uploads a file to fal's storage the way fal's client does: `POST /storage/upload/initiate`
 * on fal's REST origin with `{content_type, file_name}` answers `{upload_url, file_url}`; the
 * bytes go to `upload_url` with a PUT (a pre-signed URL: it gets no Authorization header, so
 * the key never leaves fal's API hosts); `file_url` is what model inputs accept.
 * @throws ProviderError
 */
export async function falUpload(transport: FalTransport, restOrigin: string, authorization: string, file: InputFile, signal: AbortSignal): Promise<string> {
  const initiate = await falFetch(transport, `${restOrigin}/storage/upload/initiate?storage_type=fal-cdn-v3`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ content_type: file.contentType, file_name: file.filename }),
    signal,
  });
  const { upload_url: uploadUrl, file_url: fileUrl } = (initiate.body ?? {}) as { upload_url?: unknown; file_url?: unknown };
  if (typeof uploadUrl !== "string" || typeof fileUrl !== "string") throw new ProviderError("transient", "fal's upload answer has no upload_url/file_url");
  // Input files are images, clips and voice samples; reading them whole gives the PUT a
  // Content-Length, which pre-signed storage URLs require.
  const bytes = await readFile(file.path);
  await falFetch(transport, uploadUrl, { method: "PUT", headers: { "content-type": file.contentType }, body: bytes, signal });
  return fileUrl;
}
