import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStorage } from "../storage/LocalStorage.js";
import { createStorage } from "../storage/createStorage.js";
import { UrlSigner } from "../storage/UrlSigner.js";
import { storageErrors } from "./metrics.js";

const count = async (labels: { provider: string; operation: string }) =>
  (await storageErrors.get()).values
    .filter((v) => v.labels.provider === labels.provider && v.labels.operation === labels.operation)
    .reduce((sum, v) => sum + v.value, 0);

describe("boards_storage_errors_total", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "boards-storage-errors-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("counts a configured provider's failed writes by provider and operation, not a missing object or a refused key", async () => {
    // The provider's root is a file: every write under it fails.
    const root = join(dir, "not-a-directory");
    await writeFile(root, "x");
    const router = createStorage(
      { providers: { broken: { type: "local", basePath: root, publicUrlBase: "http://localhost/api/storage" } }, defaultProvider: "broken", rules: [], maxFileSize: 1024 },
      new UrlSigner("s".repeat(32)),
    );
    const backend = router.provider("broken");
    expect(backend).toBeInstanceOf(LocalStorage);
    const before = await count({ provider: "broken", operation: "put" });
    await expect(backend.put("t/image/b/g/original", Buffer.from("data"), { contentType: "image/png" })).rejects.toThrow();
    expect(await count({ provider: "broken", operation: "put" })).toBe(before + 1);

    expect(await backend.get("t/image/b/g/missing")).toBeNull();
    await expect(backend.get("../../etc/passwd")).rejects.toThrow();
    expect(await count({ provider: "broken", operation: "get" })).toBe(0);
  });
});
