/**
 * `uploadArtifact(input: { file })` over the GraphQL multipart request spec: fields
 * `operations`, `map`, then the file part, streamed to a spool directory the test watches.
 */
import { readdir } from "node:fs/promises";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signToken, type Actor } from "./helpers/actors.js";
import { localStorageDir } from "./helpers/launch.js";
import { download, pngSize } from "./helpers/pipeline.js";
import { rawRequest } from "./helpers/rawHttp.js";
import type { TestServer } from "./helpers/server.js";
import { abortMidUpload, expectSpoolEmpty } from "./helpers/spool.js";
import { uploadScene, type UploadScene } from "./helpers/uploadScene.js";

let server: TestServer;
let owner: Actor;
let viewer: Actor;
let outsider: Actor;
let boardId: string;
let spool: string;
let pngBytes: Buffer;

const MAX = 64 * 1024;
const CSRF = { "x-graphql-yoga-csrf": "1" };
const UPLOAD = `mutation($input: UploadArtifactInput!) {
  uploadArtifact(input: $input) { id status generatorName artifactType storageUrl thumbnailUrl inputParams outputMetadata }
}`;

let scene: UploadScene;
beforeAll(async () => {
  scene = await uploadScene("gql uploads", MAX);
  ({ server, owner, viewer, outsider, boardId, spool } = scene);
  pngBytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#37a" } }).png().toBuffer();
});
afterAll(() => scene.close());
// Whatever happened in a test, the request's spooled files are gone afterwards.
afterEach(() => expectSpoolEmpty(spool));

type Part = [name: string, value: string | { bytes: Buffer; filename: string; type: string }];
type Reply = {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
};

/** POSTs `parts` to /graphql as multipart/form-data, in the order given. */
async function post(parts: Part[], headers: Record<string, string> = {}): Promise<Reply> {
  const form = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: value.type }), value.filename);
  }
  const response = await fetch(`${server.url}/graphql`, { method: "POST", headers, body: form });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Reply["body"] };
}

const png = (filename = "square.png") => ({ bytes: pngBytes, filename, type: "image/png" });

/** A spec-conformant uploadArtifact request from `actor` with `file` in `input.file`. */
function upload(actor: Actor | null, input: Record<string, unknown>, file: Part[1] = png(), headers: Record<string, string> = {}) {
  const auth: Record<string, string> = actor ? { authorization: `Bearer ${actor.token}`, "x-tenant": actor.tenant } : { "x-tenant": owner.tenant };
  return post(
    [
      ["operations", JSON.stringify({ query: UPLOAD, variables: { input: { boardId, artifactType: "IMAGE", ...input, file: null } } })],
      ["map", JSON.stringify({ 0: ["variables.input.file"] })],
      ["0", file],
    ],
    { ...CSRF, ...auth, ...headers },
  );
}

type Uploaded = { id: string; status: string; generatorName: string; artifactType: string; storageUrl: string; thumbnailUrl: string; inputParams: Record<string, unknown>; outputMetadata: Record<string, unknown> };

function uploaded(reply: Reply): Uploaded {
  expect(reply.body.errors, JSON.stringify(reply.body)).toBeUndefined();
  expect(reply.status).toBe(200);
  return reply.body.data!.uploadArtifact as Uploaded;
}

function refusedWith(reply: Reply, status: number, code: string, message: string | RegExp) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  const error = reply.body.errors?.[0];
  expect(error?.extensions?.code, JSON.stringify(reply.body)).toBe(code);
  if (typeof message === "string") expect(error?.message).toBe(message);
  else expect(error?.message).toMatch(message);
  expect(reply.body.data ?? null).toBeNull();
  return error!;
}

const countRows = () => server.prisma.generation.count({ where: { boardId } });
const storedFiles = async () => (await readdir(localStorageDir(server.env), { recursive: true })).length;

describe("uploadArtifact with a file", () => {
  it("stores the file as a COMPLETED user-upload-image generation that reads back with its file and thumbnail", async () => {
    const result = uploaded(await upload(owner, { userDescription: "blue" }));
    expect(result).toMatchObject({ status: "COMPLETED", generatorName: "user-upload-image", artifactType: "IMAGE" });
    expect(result.inputParams).toEqual({ upload_source: "file", original_filename: "square.png", source_url: null, user_description: "blue" });
    expect(result.outputMetadata).toMatchObject({ file_size: pngBytes.length, mime_type: "image/png", width: 40, height: 30 });
    const stored = await download(result.storageUrl);
    expect(stored.bytes.equals(pngBytes)).toBe(true);
    expect(pngSize(stored.bytes)).toEqual({ width: 40, height: 30 });
    const thumbnail = await download(result.thumbnailUrl);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.contentType).toMatch(/^image\//);
    const read = await owner.ok<{ generation: { id: string; status: string; userId: string } }>(`query($id: UUID!) { generation(id: $id) { id status userId } }`, { id: result.id });
    expect(read.generation).toEqual({ id: result.id, status: "COMPLETED", userId: owner.id });
  });

  it("records a parent as lineage and a given file name, cleaned", async () => {
    const parent = uploaded(await upload(owner, {}));
    const child = uploaded(await upload(owner, { parentGenerationId: parent.id, originalFilename: "../../secret/child.png" }));
    expect(child.inputParams.original_filename).toBe("child.png");
    const data = await owner.ok<{ generation: { inputArtifacts: unknown[] } }>(`query($id: UUID!) { generation(id: $id) { inputArtifacts { generationId role } } }`, { id: child.id });
    expect(data.generation.inputArtifacts).toEqual([{ generationId: parent.id, role: "parent" }]);
  });

  it("answers 413 past BOARDS_MAX_UPLOAD_SIZE, storing nothing", async () => {
    const [rows, files] = [await countRows(), await storedFiles()];
    const reply = await upload(owner, {}, { bytes: Buffer.concat([pngBytes, Buffer.alloc(MAX * 2)]), filename: "big.png", type: "image/png" });
    expect(reply).toEqual({ status: 413, body: { errors: [{ message: `File too large: the limit is ${MAX} bytes`, extensions: { code: "PAYLOAD_TOO_LARGE" } }] } });
    expect(await countRows()).toBe(rows);
    expect(await storedFiles()).toBe(files);
  });

  it.each([
    ["a PNG uploaded as audio", { artifactType: "AUDIO" }, png("a.png"), /MIME type 'image\/png' does not match artifact type 'audio'/],
    ["PNG bytes declared as octet-stream but uploaded as audio", { artifactType: "AUDIO" }, { bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]), filename: "a", type: "application/octet-stream" }, /not a supported audio file/],
    ["HTML disguised as a PNG", {}, { bytes: Buffer.from("<html><script>alert(1)</script></html>"), filename: "a.png", type: "image/png" }, /Invalid file content/],
    ["an SVG file", {}, { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), filename: "a.svg", type: "image/svg+xml" }, /extension '\.svg' is not allowed/],
    ["an SVG with an image name", {}, { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), filename: "a.png", type: "image/svg+xml" }, /MIME type 'image\/svg\+xml'/],
    ["an SVG declared as PNG", {}, { bytes: Buffer.from('<?xml version="1.0"?><svg></svg>'), filename: "a.png", type: "image/png" }, /markup/],
    ["an empty file", { artifactType: "TEXT" }, { bytes: Buffer.alloc(0), filename: "a.txt", type: "text/plain" }, "The file is empty"],
    ["a type that cannot be uploaded", { artifactType: "LORA" }, png(), /Artifact type LORA cannot be uploaded/],
    ["both a file and a fileUrl", { fileUrl: "https://example.com/a.png" }, png(), "Give either a file or a fileUrl, not both"],
  ])("refuses %s with BAD_USER_INPUT, storing nothing", async (_, input, file, message) => {
    const rows = await countRows();
    const error = refusedWith(await upload(owner, input, file), 200, "BAD_USER_INPUT", message);
    expect(error.extensions?.argument).toBeDefined();
    expect(await countRows()).toBe(rows);
  });

  it("names both fields when a file and a fileUrl are given", async () => {
    const error = refusedWith(await upload(owner, { fileUrl: "https://example.com/a.png" }), 200, "BAD_USER_INPUT", /not both/);
    expect(error.extensions).toMatchObject({ argument: "input", fieldErrors: [{ field: "file" }, { field: "fileUrl" }] });
  });

  it("refuses a File given as a plain JSON value", async () => {
    const result = await owner.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE", file: "0" } });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/File must be sent as a file part of a multipart request/);
  });

  it.each([
    ["a viewer of the board", () => viewer, 200, "FORBIDDEN", /Permission denied/],
    ["a user of another tenant", () => outsider, 200, "NOT_FOUND", /Board not found/],
    ["an anonymous caller", () => null, 200, "UNAUTHENTICATED", /Authentication required/],
  ])("refuses %s, storing nothing", async (_, actor, status, code, message) => {
    const [rows, files] = [await countRows(), await storedFiles()];
    refusedWith(await upload(actor(), {}), status, code, message);
    expect(await countRows()).toBe(rows);
    expect(await storedFiles()).toBe(files);
  });

  it("authenticates and checks X-Tenant like any GraphQL request", async () => {
    const rows = await countRows();
    const expired = await signToken({ sub: `owner-${owner.tenant}`, expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect((await upload(owner, {}, png(), { authorization: `Bearer ${expired}` })).status).toBe(401);
    const badTenant = await upload(owner, {}, png(), { "x-tenant": "Not_A_Slug" });
    expect(badTenant.status).toBe(400);
    expect(await countRows()).toBe(rows);
  });
});

describe("the multipart request itself", () => {
  const opsFor = () => JSON.stringify({ query: UPLOAD, variables: { input: { boardId, artifactType: "IMAGE", file: null } } });
  const map = JSON.stringify({ 0: ["variables.input.file"] });
  const send = (parts: Part[], headers: Record<string, string> = CSRF) =>
    post(parts, { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant, ...headers });

  it("is refused without the CSRF header (a browser sends multipart cross-site without a preflight)", async () => {
    const rows = await countRows();
    refusedWith(await send([["operations", opsFor()], ["map", map], ["0", png()]], {}), 403, "FORBIDDEN", "Required CSRF header(s) not present");
    expect(await countRows()).toBe(rows);
  });

  it.each<[string, () => Part[], RegExp]>([
    ["no map", () => [["operations", opsFor()], ["0", png()]], /'operations' and 'map' fields must come before the files/],
    ["no map and no file", () => [["operations", opsFor()]], /Missing the 'map' field/],
    ["no operations", () => [["map", map], ["0", png()]], /'operations' field must come before the 'map' field/],
    ["a file before the operations", () => [["0", png()], ["operations", opsFor()], ["map", map]], /must come before the files/],
    ["the map before the operations", () => [["map", map], ["operations", opsFor()], ["0", png()]], /'operations' field must come before the 'map' field/],
    ["a map pointing at a missing variable", () => [["operations", opsFor()], ["map", JSON.stringify({ 0: ["variables.upload"] })], ["0", png()]], /'variables.upload' must name a variable/],
    ["a map pointing outside the variables", () => [["operations", opsFor()], ["map", JSON.stringify({ 0: ["query"] })], ["0", png()]], /must point into the operation's variables/],
    ["an unmapped extra file", () => [["operations", opsFor()], ["map", map], ["0", png()], ["1", png()]], /file part '1' is not named in the map/],
    ["a file sent twice", () => [["operations", opsFor()], ["map", map], ["0", png()], ["0", png()]], /file part '0' is sent more than once/],
    ["two files in the map", () => [["operations", opsFor()], ["map", JSON.stringify({ 0: ["variables.input.file"], 1: ["variables.input.fileUrl"] })], ["0", png()]], /Too many files in the map: at most 1/],
    ["a mapped file that is not sent", () => [["operations", opsFor()], ["map", map]], /The file '0' named in the map was not sent/],
    ["a mapped part sent as a text field", () => [["operations", opsFor()], ["map", map], ["0", "not a file"]], /The part '0' must be a file/],
    ["an unexpected field", () => [["operations", opsFor()], ["map", map], ["extra", "x"], ["0", png()]], /Unexpected field 'extra'/],
    ["operations that are not JSON", () => [["operations", "{"], ["map", map], ["0", png()]], /'operations' field must be valid JSON/],
    ["a batch of operations", () => [["operations", JSON.stringify([JSON.parse(opsFor())])], ["map", JSON.stringify({ 0: ["0.variables.input.file"] })], ["0", png()]], /Batched operations are not supported/],
  ])("refuses %s with 400, storing nothing", async (_, parts, message) => {
    const rows = await countRows();
    refusedWith(await send(parts()), 400, "BAD_REQUEST", message);
    expect(await countRows()).toBe(rows);
  });

  it("refuses a body that is not multipart at all despite its content type", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { ...CSRF, "content-type": "multipart/form-data", authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant },
      body: "operations=1",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: "Expected a multipart/form-data body", extensions: { code: "BAD_REQUEST" } }] });
  });

  it("answers 413 from the headers alone when the declared length cannot fit the limits", async () => {
    const response = await rawRequest(`${server.url}/graphql`, {
      method: "POST",
      headers: { ...CSRF, "content-type": "multipart/form-data; boundary=x", "content-length": 2 * 1024 * 1024 + MAX, authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant },
      headersOnly: true,
    });
    expect(response.status).toBe(413);
    expect(response.json()).toMatchObject({ errors: [{ extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
  });

  it("runs an operation without files sent as multipart", async () => {
    const reply = await send([["operations", JSON.stringify({ query: "{ me { id } }" })], ["map", "{}"]]);
    expect(reply).toEqual({ status: 200, body: { data: { me: { id: owner.id } } } });
  });

  it("removes the spooled file of a client that leaves in the middle of the body", async () => {
    const rows = await countRows();
    const boundary = "----boards-gql-abort";
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${opsFor()}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${map}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`;
    const headers = { ...CSRF, "content-type": `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant };
    await abortMidUpload(`${server.url}/graphql`, headers, head, spool);
    await expectSpoolEmpty(spool);
    expect(await countRows()).toBe(rows);
  });
});
