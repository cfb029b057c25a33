import { ProviderError } from "../ProviderAdapter.js";

/** OpenAI's upload limit for transcription audio. */
export const OPENAI_MAX_AUDIO_BYTES = 25 * 1024 * 1024;

/**
 * The bytes of an artifact given as a URL (data: URI or http(s)), for a multipart upload.
 * @throws ProviderError validation when it is unreadable or larger than 25 MB
 */
export async function readAudioUrl(url: string, fetchImpl: typeof fetch, signal: AbortSignal): Promise<{ bytes: Buffer; contentType: string }> {
  if (url.startsWith("data:")) {
    const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
    if (!match) throw new ProviderError("validation", "audio input is not a valid data: URI");
    const bytes = match[2] ? Buffer.from(match[3] ?? "", "base64") : Buffer.from(decodeURIComponent(match[3] ?? ""));
    if (bytes.length > OPENAI_MAX_AUDIO_BYTES) throw new ProviderError("validation", "audio input is larger than 25 MB");
    return { bytes, contentType: match[1] || "application/octet-stream" };
  }
  if (!/^https?:\/\//.test(url)) throw new ProviderError("validation", "audio input is not an http(s) or data: URL");
  let response: Response;
  try {
    response = await fetchImpl(url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ProviderError("transient", "audio input could not be downloaded");
  }
  if (!response.ok || !response.body) {
    throw new ProviderError(response.status >= 500 ? "transient" : "validation", `audio input download answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > OPENAI_MAX_AUDIO_BYTES) throw new ProviderError("validation", "audio input is larger than 25 MB");
  // Read with a running cap: content-length may be absent or wrong.
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > OPENAI_MAX_AUDIO_BYTES) {
      await reader.cancel();
      throw new ProviderError("validation", "audio input is larger than 25 MB");
    }
    chunks.push(Buffer.from(value));
  }
  return { bytes: Buffer.concat(chunks), contentType: response.headers.get("content-type") ?? "application/octet-stream" };
}
