/**
 * Kie's file stream upload (`POST /api/file-stream-upload`, multipart `file` and `uploadPath`):
 * generation APIs take inputs only as public URLs, and this storage hands back one (kept by Kie
 * for a few days, long enough for a run).
 */
import { openAsBlob } from "node:fs";
import { ProviderError, type InputFile } from "../ProviderAdapter.js";
import { callKie, type KieClient } from "./kieHttp.js";

/** Where uploads go in Kie's storage (as Boards uploads them). */
const UPLOAD_PATH = "boards/temp";

/**
 * Uploads one local file and returns its download URL.
 * @throws ProviderError
 */
export async function uploadToKie(client: KieClient, file: InputFile, signal: AbortSignal): Promise<string> {
  const form = new FormData();
  // Streamed from disk. No `fileName` field: Kie then picks a fresh name, so two uploads never overwrite each other.
  form.append("file", await openAsBlob(file.path, { type: file.contentType }), file.filename);
  form.append("uploadPath", UPLOAD_PATH);
  const data = await callKie(client, `${client.uploadOrigin}/api/file-stream-upload`, { method: "POST", form }, signal);
  const record = (data ?? {}) as Record<string, unknown>;
  const url = record.downloadUrl ?? record.fileUrl ?? record.url;
  if (typeof url !== "string" || !url) throw new ProviderError("transient", "Kie accepted the upload but returned no download URL");
  return url;
}
