/**
 * Deleting generations and boards deletes their stored objects (originals and thumbnails);
 * a deletion that fails is retried by a job instead of being forgotten.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StorageBackend } from "../src/storage/StorageBackend.js";
import { StorageRouter } from "../src/storage/StorageRouter.js";
import { expectData, newTenant } from "./helpers/actors.js";
import { pollUntil } from "./helpers/faultHarness.js";
import { localStorageDir } from "./helpers/launch.js";
import { pathExists } from "./helpers/pathExists.js";
import { awaitCompleted, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const exists = pathExists;

async function completedImages(s: TestServer, count: number) {
  const owner = await (await newTenant(s)).user("owner");
  const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "del" }) { id } }`)).createBoard.id;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const g = await submitGeneration(owner, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: `p${i}`, width: 32, height: 32 } });
    await awaitCompleted(owner, g.id);
    ids.push(g.id);
  }
  const rows = await s.prisma.generation.findMany({ where: { id: { in: ids } } });
  const files = rows.flatMap((r) => [r.storageKey!, r.storageKey!.replace(/original$/, "thumbnail")]).map((k) => join(localStorageDir(s.env), k));
  return { owner, boardId, files };
}

/** A storage whose deletes fail a given number of times before working. */
function failingDeletes(inner: StorageBackend, failures: number): StorageBackend & { attempts: number } {
  let left = failures;
  const wrapper = {
    name: inner.name,
    publicUrls: inner.publicUrls,
    attempts: 0,
    put: inner.put.bind(inner),
    get: inner.get.bind(inner),
    url: inner.url.bind(inner),
    privateUrl: inner.privateUrl.bind(inner),
    async delete(key: string) {
      wrapper.attempts += 1;
      if (left > 0) {
        left -= 1;
        throw new Error("storage unavailable");
      }
      await inner.delete(key);
    },
  };
  return wrapper;
}

describe("stored objects are deleted with their rows", () => {
  it("deleting a board deletes every generation's original and thumbnail", async () => {
    server = await startIsolatedServer({}, { worker: true });
    const { owner, boardId, files } = await completedImages(server, 3);
    for (const f of files) expect(await exists(f)).toBe(true);
    expectData(await owner.gql(`mutation($id: UUID!) { deleteBoard(id: $id) { success } }`, { id: boardId }));
    expect(await server.prisma.generation.count({ where: { boardId } })).toBe(0);
    await pollUntil(async () => (await Promise.all(files.map(exists))).every((e) => !e), (gone) => gone, { tries: 100, what: "stored objects to be deleted" });
    for (const f of files) expect(await exists(f)).toBe(false);
  });

  it("deleting a tenant deletes the stored objects of all its boards", async () => {
    const adminToken = "tenant-admin-token-0123456789abcdef";
    server = await startIsolatedServer({ BOARDS_ADMIN_TOKEN: adminToken }, { worker: true });
    const first = await completedImages(server, 1);
    const board = await server.prisma.board.findUniqueOrThrow({ where: { id: first.boardId } });
    const second = await first.owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "second" }) { id } }`);
    const g = await submitGeneration(first.owner, { boardId: second.createBoard.id, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "x", width: 16, height: 16 } });
    await awaitCompleted(first.owner, g.id);
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: g.id } });
    const files = [...first.files, join(localStorageDir(server.env), row.storageKey!)];
    for (const f of files) expect(await exists(f)).toBe(true);

    const response = await server.fetch(`/api/setup/tenant/${board.tenantId}`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(200);
    expect(await server.prisma.generation.count({ where: { tenantId: board.tenantId } })).toBe(0);
    await pollUntil(async () => (await Promise.all(files.map(exists))).every((e) => !e), (gone) => gone, { tries: 100, what: "the tenant's stored objects to be deleted" });
  });

  it("retries a failed deletion with a job until the objects are gone", async () => {
    let flaky: ReturnType<typeof failingDeletes> | undefined;
    server = await startIsolatedServer({}, { worker: true, override: (rt) => ({ ...rt, storage: new StorageRouter([(flaky = failingDeletes(rt.storage.provider("local"), 3))], "local") }) });
    const { owner, files } = await completedImages(server, 1);
    const id = (await server.prisma.generation.findFirstOrThrow({ orderBy: { createdAt: "desc" } })).id;
    expectData(await owner.gql(`mutation($id: UUID!) { deleteGeneration(id: $id) }`, { id }));
    // The immediate attempt failed (2 keys), so the files are still there and a job holds them.
    expect(await exists(files[0]!)).toBe(true);
    await pollUntil(async () => (await Promise.all(files.map(exists))).every((e) => !e), (gone) => gone, { tries: 150, what: "stored objects to be deleted" });
    for (const f of files) expect(await exists(f)).toBe(false);
    expect(flaky!.attempts).toBeGreaterThan(files.length);
  });
});
