/**
 * REST uploads (POST /api/uploads/artifact), as the Boards client's upload hook sends them.
 */
import { request } from "node:http";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "./helpers/actors.js";
import { download, pngSize } from "./helpers/pipeline.js";
import { postUpload, type UploadFields, type UploadFile } from "./helpers/restUpload.js";
import type { TestServer } from "./helpers/server.js";
import { abortMidUpload, expectSpoolEmpty } from "./helpers/spool.js";
import { uploadScene, type UploadScene } from "./helpers/uploadScene.js";

let server: TestServer;
let owner: Actor;
let viewer: Actor;
let outsider: Actor;
let boardId: string;
let spool: string;

const MAX = 64 * 1024;

let scene: UploadScene;
beforeAll(async () => {
  scene = await uploadScene("uploads", MAX);
  ({ server, owner, viewer, outsider, boardId, spool } = scene);
});
afterAll(() => scene.close());

const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#3a7" } }).png().toBuffer();

function wav(samples = 800): Buffer {
  const out = Buffer.alloc(44 + samples * 2);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write("WAVEfmt ", 8, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(8000, 24);
  out.writeUInt32LE(16000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "ascii");
  out.writeUInt32LE(samples * 2, 40);
  return out;
}

const upload = (actor: Actor | null, fields: UploadFields, file: UploadFile | null) => postUpload(server, actor, fields, file, actor?.tenant ?? owner.tenant);

const countRows = () => server.prisma.generation.count({ where: { boardId } });

describe("accepted uploads", () => {
  it("stores a PNG as a completed user-upload-image generation with Boards' metadata and a thumbnail", async () => {
    const bytes = await png(300, 200);
    const result = await upload(owner, { board_id: boardId, artifact_type: "image", user_description: "a green square" }, { bytes, name: "square.png", type: "image/png" });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: "completed", artifactType: "image", generatorName: "user-upload-image" });
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: String(result.body.id) } });
    expect(row.status).toBe("COMPLETED");
    expect(row.userId).toBe(owner.id);
    expect(row.inputParams).toEqual({ upload_source: "file", original_filename: "square.png", source_url: null, user_description: "a green square" });
    expect(row.outputMetadata).toMatchObject({ file_size: bytes.length, mime_type: "image/png", width: 300, height: 200, storage_provider: "local" });
    const stored = await download(String(result.body.storageUrl));
    expect(stored.bytes.equals(bytes)).toBe(true);
    expect(pngSize(stored.bytes)).toEqual({ width: 300, height: 200 });
    expect((await download(String(result.body.thumbnailUrl))).status).toBe(200);
    await expectSpoolEmpty(spool);
  });

  it("accepts WAV audio, plain text and JSON text", async () => {
    const audio = await upload(owner, { board_id: boardId, artifact_type: "audio" }, { bytes: wav(), name: "beep.wav", type: "audio/wav" });
    expect(audio).toMatchObject({ status: 200, body: { generatorName: "user-upload-audio", thumbnailUrl: null } });
    const text = await upload(owner, { board_id: boardId, artifact_type: "text" }, { bytes: Buffer.from("hello there\n"), name: "note.txt", type: "text/plain" });
    expect(text).toMatchObject({ status: 200, body: { generatorName: "user-upload-text" } });
    const json = await upload(owner, { board_id: boardId, artifact_type: "text" }, { bytes: Buffer.from('{"a":1}'), name: "data.json", type: "application/json" });
    expect(json.status).toBe(200);
  });

  it("records the parent as lineage", async () => {
    const parent = await upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: await png(20, 20), name: "p.png", type: "image/png" });
    const child = await upload(owner, { board_id: boardId, artifact_type: "image", parent_generation_id: String(parent.body.id) }, { bytes: await png(21, 21), name: "c.png", type: "image/png" });
    const data = await owner.ok<{ generation: { inputArtifacts: unknown[] } }>(`query($id: UUID!) { generation(id: $id) { inputArtifacts { generationId role artifactType } } }`, { id: child.body.id });
    expect(data.generation.inputArtifacts).toEqual([{ generationId: parent.body.id, role: "parent", artifactType: "IMAGE" }]);
  });

  it("keeps only the base name of a hostile file name", async () => {
    const result = await upload(owner, { board_id: boardId, artifact_type: "text" }, { bytes: Buffer.from("x"), name: "../../etc/passwd", type: "text/plain" });
    expect(result.status).toBe(200);
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: String(result.body.id) } });
    expect((row.inputParams as { original_filename: string }).original_filename).toBe("passwd");
    expect(row.storageKey).not.toContain("passwd");
  });
});

describe("refused uploads leave nothing behind", () => {
  const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp]> = [
    ["anonymous", async () => upload(null, { board_id: boardId, artifact_type: "image" }, { bytes: await png(4, 4), name: "a.png", type: "image/png" }), 401, /Authentication required/],
    ["an unknown artifact type", async () => upload(owner, { board_id: boardId, artifact_type: "lora" }, { bytes: await png(4, 4), name: "a.png", type: "image/png" }), 400, /Invalid artifact type/],
    ["a malformed board id", async () => upload(owner, { board_id: "nope", artifact_type: "image" }, { bytes: await png(4, 4), name: "a.png", type: "image/png" }), 400, /Invalid board_id/],
    ["no file", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, null), 400, /No file provided/],
    ["a forbidden extension", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: await png(4, 4), name: "a.exe", type: "image/png" }), 400, /extension '\.exe'/],
    ["a declared type of another kind", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: Buffer.from("hi"), name: "a.png", type: "text/plain" }), 400, /MIME type 'text\/plain' does not match artifact type 'image'/],
    ["HTML disguised as a PNG", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: Buffer.from("<html><script>alert(1)</script></html>"), name: "a.png", type: "image/png" }), 400, /Invalid file content/],
    ["an SVG file", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), name: "a.svg", type: "image/svg+xml" }), 400, /extension '\.svg'/],
    ["an SVG with an image name", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), name: "a.png", type: "image/svg+xml" }), 400, /MIME type 'image\/svg\+xml'/],
    ["an SVG declared as PNG", async () => upload(owner, { board_id: boardId, artifact_type: "image" }, { bytes: Buffer.from('<?xml version="1.0"?><svg></svg>'), name: "a.png", type: "image/png" }), 400, /markup/],
    ["an HTML text file", async () => upload(owner, { board_id: boardId, artifact_type: "text" }, { bytes: Buffer.from("<!DOCTYPE html><p>x</p>"), name: "a.txt", type: "text/plain" }), 400, /markup/],
    ["a PNG uploaded as audio", async () => upload(owner, { board_id: boardId, artifact_type: "audio" }, { bytes: await png(4, 4), name: "a.wav", type: "audio/wav" }), 400, /not a supported audio file/],
    ["a viewer", async () => upload(viewer, { board_id: boardId, artifact_type: "image" }, { bytes: await png(4, 4), name: "a.png", type: "image/png" }), 400, /Permission denied/],
    ["another tenant's board", async () => upload(outsider, { board_id: boardId, artifact_type: "image" }, { bytes: await png(4, 4), name: "a.png", type: "image/png" }), 400, /Board not found/],
    ["an unknown parent", async () => upload(owner, { board_id: boardId, artifact_type: "image", parent_generation_id: "00000000-0000-4000-8000-000000000000" }, { bytes: await png(4, 4), name: "a.png", type: "image/png" }), 400, /Parent generation not found/],
    ["a file over the size limit", async () => upload(owner, { board_id: boardId, artifact_type: "text" }, { bytes: Buffer.alloc(MAX * 3, 97), name: "big.txt", type: "text/plain" }), 413, /too large/],
  ];
  it.each(cases)("refuses %s", async (_, send, status, detail) => {
    const before = await countRows();
    const result = await send();
    expect(result.status).toBe(status);
    expect(String(result.body.detail)).toMatch(detail);
    expect(await countRows()).toBe(before);
    await expectSpoolEmpty(spool);
  });

  it("removes the spooled file of a client that leaves in the middle of the body", async () => {
    const before = await countRows();
    const boundary = "----boards-abort";
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="board_id"\r\n\r\n${boardId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="artifact_type"\r\n\r\ntext\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\nContent-Type: text/plain\r\n\r\n`;
    const headers = { "content-type": `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant };
    await abortMidUpload(`${server.url}/api/uploads/artifact`, headers, head, spool);
    await expectSpoolEmpty(spool);
    expect(await countRows()).toBe(before);
  });

  it("cuts off an oversize body sent without Content-Length, before reading it all", async () => {
    const boundary = "----boards-test";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="board_id"\r\n\r\n${boardId}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="artifact_type"\r\n\r\ntext\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
    );
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/uploads/artifact`, {
        method: "POST",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant, "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", (err) => (err.message.includes("EPIPE") || err.message.includes("ECONNRESET") ? undefined : reject(err)));
      req.write(head);
      // Far more than the limit, written lazily: the server answers long before the end.
      let sent = 0;
      const chunk = Buffer.alloc(16 * 1024, 97);
      const pump = () => {
        while (sent < MAX * 64 && req.write(chunk)) sent += chunk.length;
        if (sent < MAX * 64 && !req.destroyed) req.once("drain", pump);
      };
      pump();
    });
    expect(status).toBe(413);
  });
});
