import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalStorage } from "./LocalStorage.js";
import { StorageRouter, UnknownStorageProviderError } from "./StorageRouter.js";

const MB = 2 ** 20;
const backend = (name: string) => new LocalStorage(mkdtempSync(join(tmpdir(), `router-${name}-`)), `http://files.test/${name}`, undefined, name);

function router() {
  return new StorageRouter([backend("local"), backend("media"), backend("archive")], "local", [
    { artifactTypes: ["VIDEO"], provider: "media" },
    { artifactTypes: ["IMAGE", "AUDIO"], sizeGt: 10 * MB, provider: "archive" },
    { sizeGt: 50 * MB, provider: "media" },
  ]);
}

describe("StorageRouter", () => {
  it("picks the first matching rule, else the default provider", () => {
    const r = router();
    expect(r.select("VIDEO", 1).name).toBe("media");
    expect(r.select("VIDEO", undefined).name).toBe("media");
    expect(r.select("IMAGE", 10 * MB).name).toBe("local");
    expect(r.select("IMAGE", 10 * MB + 1).name).toBe("archive");
    expect(r.select("AUDIO", 60 * MB).name).toBe("archive");
    expect(r.select("TEXT", 60 * MB).name).toBe("media");
    expect(r.select("TEXT", 1).name).toBe("local");
  });

  it("knows when the choice depends on the size", () => {
    const r = router();
    expect(r.needsSize("VIDEO")).toBe(false);
    expect(r.needsSize("IMAGE")).toBe(true);
    expect(r.needsSize("TEXT")).toBe(true);
    expect(new StorageRouter([backend("local")], "local").needsSize("IMAGE")).toBe(false);
  });

  it("finds a row's provider by its recorded name (the default for rows without one)", () => {
    const r = router();
    expect(r.providerOf({ storageProvider: "archive" }).name).toBe("archive");
    expect(r.providerOf({ storageProvider: null }).name).toBe("local");
    expect(() => r.providerOf({ storageProvider: "gone" })).toThrow(UnknownStorageProviderError);
  });

  it("refuses rules or a default naming providers it does not have", () => {
    expect(() => new StorageRouter([backend("local")], "s3")).toThrow(/'s3' is not configured/);
    expect(() => new StorageRouter([backend("local")], "local", [{ provider: "media" }])).toThrow(/'media' is not configured/);
  });

  it("lists local providers first and deletes a key from every provider", async () => {
    const r = new StorageRouter([backend("media"), backend("local")], "media");
    expect(r.providers.map((p) => p.name)).toEqual(["local", "media"]);
    for (const p of r.providers) await p.put("t/image/b/g_1_x/original", Buffer.from("x"), { contentType: "image/png" });
    await r.deleteEverywhere(["t/image/b/g_1_x/original"]);
    for (const p of r.providers) expect(await p.get("t/image/b/g_1_x/original")).toBeNull();
  });
});
