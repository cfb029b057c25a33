import { describe, expect, it } from "vitest";
import { loadEnv } from "../env.js";

describe("provider settings", () => {
  it("takes keys from individual variables and lets BOARDS_GENERATOR_API_KEYS win, as Boards does", () => {
    const env = loadEnv({ FAL_KEY: "fal-individual", OPENAI_API_KEY: "oa", BOARDS_GENERATOR_API_KEYS: '{"FAL_KEY":"fal-json","KIE_API_KEY":"kie","REPLICATE_API_TOKEN":""}' });
    expect(env.providers.keys).toEqual({ fal: "fal-json", openai: "oa", kie: "kie" });
  });

  it("keeps endpoint and public URLs without trailing slashes", () => {
    const env = loadEnv({ BOARDS_PROVIDER_ENDPOINTS: '{"fal":"http://127.0.0.1:9999/"}', BOARDS_PUBLIC_URL: "https://boards.example/" });
    expect(env.providers.endpoints).toEqual({ fal: "http://127.0.0.1:9999" });
    expect(env.providers.publicUrl).toBe("https://boards.example");
  });

  it("refuses an unknown provider, a bad URL and malformed JSON without echoing values", () => {
    expect(() => loadEnv({ BOARDS_PROVIDER_ENDPOINTS: '{"midjourney":"http://x"}' })).toThrow(/unknown provider "midjourney"/);
    expect(() => loadEnv({ BOARDS_PROVIDER_ENDPOINTS: '{"fal":"ftp://x"}' })).toThrow(/BOARDS_PROVIDER_ENDPOINTS\.fal must be an http\(s\) URL/);
    expect(() => loadEnv({ BOARDS_GENERATOR_API_KEYS: "{secret-value" })).toThrow(/BOARDS_GENERATOR_API_KEYS must be a JSON object/);
    expect(() => loadEnv({ BOARDS_GENERATOR_API_KEYS: "{secret-value" })).not.toThrow(/secret-value/);
  });
});
