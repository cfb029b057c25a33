/**
 * The OpenAI adapter against a fake OpenAI over real HTTP: synchronous images and transcriptions
 * (audio downloaded and sent as multipart), speech, error kinds, and every recorded Boards run.
 */
import { recordedArtifactUrls } from "./helpers/recordedArtifactUrls.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildProviderRequest } from "../src/generators/declarative/buildProviderRequest.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import { readProviderOutputs } from "../src/generators/declarative/readProviderOutputs.js";
import { createOpenAIAdapter } from "../src/providers/openai/openaiAdapter.js";
import { ProviderError, type ProviderAdapter } from "../src/providers/ProviderAdapter.js";
import { startOpenAIFake } from "./fakes/openaiFake.js";
import fixture from "./fixtures/boards-generator-runs.json" with { type: "json" };

type Run = { label: string; validated: Record<string, unknown>; requests: Array<{ endpoint: string; body: Record<string, unknown> }>; stored?: unknown[]; invalid?: string };

let fake: Awaited<ReturnType<typeof startOpenAIFake>>;
let adapter: ProviderAdapter;
const signal = () => AbortSignal.timeout(5000);
const image = { endpoint: { provider: "openai" as const, api: "images.generate" as const, model: "dall-e-3" }, body: { model: "dall-e-3", prompt: "a fox", n: 1 } };

async function caught(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  fake = await startOpenAIFake();
  adapter = createOpenAIAdapter({ apiKey: "sk-test", baseUrl: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => {
  Object.assign(fake.options, { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0 });
  fake.requests.length = 0;
});

describe("openai adapter", () => {
  it("answers at submit; status has nothing to poll and cancel does nothing", async () => {
    const submitted = await adapter.submit(image, { signal: signal(), idempotencyKey: "g" });
    expect(submitted.immediate?.state).toBe("succeeded");
    expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/v1/images/generations", body: image.body });
    const status = await adapter.status(image.endpoint, submitted.externalId, signal());
    expect(status.state === "failed" && status.error.kind).toBe("not_found");
    await adapter.cancel(image.endpoint, submitted.externalId, signal());
  });

  it("sends a data: URI audio input as a multipart file", async () => {
    const wav = Buffer.alloc(2000, 3).toString("base64");
    const request = { endpoint: { provider: "openai" as const, api: "audio.transcriptions" as const, model: "whisper-1" }, body: { model: "whisper-1", file: `data:audio/wav;base64,${wav}`, language: "en" } };
    const submitted = await adapter.submit(request, { signal: signal(), idempotencyKey: "g" });
    expect(submitted.immediate).toEqual({ state: "succeeded", result: { text: "transcribed words" } });
    expect(fake.requests[0]).toMatchObject({ path: "/v1/audio/transcriptions", body: { model: "whisper-1", language: "en", file: { filename: "audio.wav", size: 2000 } } });
  });

  it("returns speech audio as a data: URI in {data:[{url}]}", async () => {
    const submitted = await adapter.submit({ endpoint: { provider: "openai", api: "audio.speech" } as never, body: { model: "tts-1", input: "hi", voice: "alloy" } }, { signal: signal(), idempotencyKey: "g" });
    const result = submitted.immediate?.state === "succeeded" ? (submitted.immediate.result as { data: Array<{ url: string }> }) : undefined;
    expect(result?.data[0]?.url.startsWith("data:audio/wav;base64,UklGR")).toBe(true);
  });

  it("maps errors to kinds", async () => {
    const cases: Array<[typeof fake.options.outcome, string, string]> = [
      ["validation", "validation", "Invalid size"],
      ["policy", "content_policy", "content policy"],
      ["insufficient_credits", "insufficient_credits", "insufficient credits"],
      ["error", "transient", "server had an error"],
    ];
    for (const [outcome, kind, text] of cases) {
      fake.options.outcome = outcome;
      const e = await caught(adapter.submit(image, { signal: signal(), idempotencyKey: "g" }));
      expect([e.kind, e.message.includes(text)]).toEqual([kind, true]);
    }
    const bad = createOpenAIAdapter({ apiKey: "sk-wrong", baseUrl: fake.url });
    const a = await caught(bad.submit(image, { signal: signal(), idempotencyKey: "g" }));
    expect([a.kind, a.message]).toEqual(["auth", "openai refused the API key (OPENAI_API_KEY)"]);
  });

  it("reports a rate limit as transient with Retry-After, then succeeds", async () => {
    fake.options.rateLimitFirst = 1;
    const e = await caught(adapter.submit(image, { signal: signal(), idempotencyKey: "g" }));
    expect([e.kind, e.httpStatus, e.retryAfterMs]).toEqual(["transient", 429, 0]);
    expect((await adapter.submit(image, { signal: signal(), idempotencyKey: "g" })).immediate?.state).toBe("succeeded");
  });
});

describe("every recorded Boards run of an OpenAI generator, over the wire", () => {
  const runs = fixture.generators as unknown as Record<string, Run[]>;
  for (const decl of loadCatalogue().filter((d) => d.provider === "openai")) {
    for (const run of (runs[decl.name] ?? []).filter((r) => !r.invalid && r.requests.length)) {
      it(`${decl.name} (${run.label})`, async () => {
        // The audio must be downloadable, so it is served by the fake rather than uploads.test.
        const urls = recordedArtifactUrls(decl, run.validated, (id) => `${fake.url}/files/${id}.wav`);
        const submitted = await adapter.submit(buildProviderRequest(decl, run.validated, urls), { signal: signal(), idempotencyKey: "g" });
        const sent = fake.requests.find((r) => r.method === "POST")!;
        const recorded = run.requests[0]!;
        if (decl.endpoint && "api" in decl.endpoint && decl.endpoint.api === "audio.transcriptions") {
          expect(sent.path).toBe("/v1/audio/transcriptions");
          const { file, ...fields } = sent.body as Record<string, unknown>;
          const { file: _f, ...recordedFields } = recorded.body;
          expect(fields).toEqual(Object.fromEntries(Object.entries(recordedFields).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)])));
          expect((file as { size: number }).size).toBeGreaterThan(0);
        } else {
          expect(sent.path).toBe("/v1/images/generations");
          expect(sent.body).toEqual(recorded.body);
        }
        const result = submitted.immediate?.state === "succeeded" ? submitted.immediate.result : undefined;
        expect(readProviderOutputs(decl, result, run.validated)).toHaveLength(run.stored?.length ?? 0);
      });
    }
  }
});
