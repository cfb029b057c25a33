import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StorageBackend } from "../storage/StorageBackend.js";
import { inputUrls } from "./inputUrls.js";
import type { ProviderAdapter } from "./ProviderAdapter.js";

const adapter = (extra: Partial<ProviderAdapter>): ProviderAdapter =>
  ({ name: "fal", maxDataUriBytes: 10, submit: async () => ({ externalId: "x" }), status: async () => ({ state: "queued" }), cancel: async () => undefined, ...extra }) as ProviderAdapter;

async function file(bytes: string) {
  const dir = await mkdtemp(join(tmpdir(), "input-urls-"));
  const path = join(dir, "a.png");
  await writeFile(path, bytes);
  return { path, contentType: "image/png", filename: "a.png", size: Buffer.byteLength(bytes) };
}

describe("inputUrls", () => {
  const signal = new AbortController().signal;

  it("signs our storage's URL against the public URL when there is one", async () => {
    const backend = { privateUrl: async (key: string) => `/api/storage/${key}?sig=1` } as unknown as StorageBackend;
    const url = await inputUrls({ stored: { backend, key: "t/a.png" }, localFile: () => file("x") }, adapter({}), "https://boards.example", signal);
    expect(url).toBe("https://boards.example/api/storage/t/a.png?sig=1");
    // Local storage's own URL base (by default on localhost) is not what the provider can reach.
    const internal = { privateUrl: async (key: string) => `http://localhost:8088/api/storage/${key}?sig=2` } as unknown as StorageBackend;
    const rebased = await inputUrls({ stored: { backend: internal, key: "t/a b.png" }, localFile: () => file("x") }, adapter({}), "https://boards.example/", signal);
    expect(rebased).toBe("https://boards.example/api/storage/t/a%20b.png?sig=2");
  });

  it("uploads to the provider, else inlines small files, else fails clearly", async () => {
    const backend = { privateUrl: async () => "/never" } as unknown as StorageBackend;
    const uploaded = await inputUrls({ stored: { backend, key: "k" }, localFile: () => file("x") }, adapter({ uploadFile: async () => "https://cdn/x" }), undefined, signal);
    expect(uploaded).toBe("https://cdn/x");
    expect(await inputUrls({ localFile: () => file("abc") }, adapter({}), undefined, signal)).toBe(`data:image/png;base64,${Buffer.from("abc").toString("base64")}`);
    await expect(inputUrls({ localFile: () => file("x".repeat(11)) }, adapter({}), undefined, signal)).rejects.toThrow(/BOARDS_PUBLIC_URL/);
  });
});
