// Plain fetch instead of the `openai` SDK: the SDK retries on its own and wants a File for
// transcriptions; the worker owns retries, and the audio arrives here as a URL to download.
import { randomUUID } from "node:crypto";
import { ProviderError, type AdapterOptions, type ProviderAdapter, type ProviderStatus, type Submitted } from "../ProviderAdapter.js";
import { OPENAI_MAX_AUDIO_BYTES, readAudioUrl } from "./openaiAudioFile.js";
import { openaiCall, type OpenAIHttpOptions } from "./openaiHttp.js";

const DEFAULT_ORIGIN = "https://api.openai.com";

/** File name for the multipart upload; OpenAI infers the audio format from its extension. */
function audioFilename(contentType: string): string {
  const ext = /wav/.test(contentType) ? "wav" : /mp4|m4a/.test(contentType) ? "m4a" : /ogg/.test(contentType) ? "ogg" : /webm/.test(contentType) ? "webm" : /flac/.test(contentType) ? "flac" : "mp3";
  return `audio.${ext}`;
}

/**
 * The OpenAI adapter. OpenAI answers synchronously: submit() makes the call and returns the
 * outcome as `immediate`; there is no job to poll, so status() answers failed/not_found and
 * cancel() does nothing. Results: images.generate → the response ({data:[{url}]});
 * audio.transcriptions → the response ({text}); audio.speech → {data:[{url: data: URI}]}.
 */
export function createOpenAIAdapter(options: AdapterOptions): ProviderAdapter {
  const fetchImpl = options.fetch ?? fetch;
  const http: OpenAIHttpOptions = {
    origin: (options.baseUrl ?? DEFAULT_ORIGIN).replace(/\/+$/, ""),
    apiKey: options.apiKey,
    fetch: fetchImpl,
    timeoutMs: options.requestTimeoutMs ?? 60_000,
  };

  async function transcribe(body: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const { file, ...fields } = body;
    if (typeof file !== "string") throw new ProviderError("validation", "transcription needs an audio file URL");
    const audio = await readAudioUrl(file, fetchImpl, signal);
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(audio.bytes)], { type: audio.contentType }), audioFilename(audio.contentType));
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined || value === null) continue;
      form.append(name, typeof value === "string" ? value : JSON.stringify(value));
    }
    return (await openaiCall(http, "/v1/audio/transcriptions", signal, form)).json;
  }

  return {
    name: "openai",
    maxDataUriBytes: OPENAI_MAX_AUDIO_BYTES,

    async submit(request, submitOptions): Promise<Submitted> {
      const api = (request.endpoint as { api?: string }).api;
      let result: unknown;
      if (api === "images.generate") result = (await openaiCall(http, "/v1/images/generations", submitOptions.signal, request.body)).json;
      else if (api === "audio.transcriptions") result = await transcribe(request.body, submitOptions.signal);
      else if (api === "audio.speech") {
        const answer = await openaiCall(http, "/v1/audio/speech", submitOptions.signal, request.body);
        const bytes = answer.bytes ?? Buffer.alloc(0);
        result = { data: [{ url: `data:${answer.contentType || "audio/mpeg"};base64,${bytes.toString("base64")}` }] };
      } else throw new ProviderError("validation", `openai endpoint ${String(api)} is not supported`);
      const id = (result as { id?: unknown } | undefined)?.id;
      return { externalId: typeof id === "string" ? id : randomUUID(), immediate: { state: "succeeded", result } };
    },

    // Synchronous provider: nothing to poll once submit() has returned.
    async status(): Promise<ProviderStatus> {
      return { state: "failed", error: new ProviderError("not_found", "openai jobs finish at submit; there is no status to poll") };
    },

    async cancel(): Promise<void> {},
  };
}
