/**
 * `uploadArtifact(input: { fileUrl })`: the server fetches the file through the SSRF guard.
 * The test file server runs on 127.0.0.1, which the guard refuses unless it is explicitly
 * trusted, so the server under test trusts exactly that host:port (BOARDS_UPLOAD_URL_ALLOW_HOSTS).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBlockedAddress } from "../src/lib/safeFetch.js";
import { expectData, expectError, newTenant, type Actor } from "./helpers/actors.js";
import { startIsolatedServer } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

let files: Server;
let filesHost: string;
let hits = 0;
let server: TestServer;
let owner: Actor;
let viewer: Actor;
let boardId: string;
let pngBytes: Buffer;

const UPLOAD = `mutation($input: UploadArtifactInput!) { uploadArtifact(input: $input) { id status generatorName artifactType inputParams storageUrl } }`;

beforeAll(async () => {
  pngBytes = await sharp({ create: { width: 12, height: 9, channels: 3, background: "#a33" } }).png().toBuffer();
  files = createServer((req, res) => {
    hits += 1;
    const port = (files.address() as AddressInfo).port;
    if (req.url === "/fox.png") return void res.writeHead(200, { "content-type": "image/png" }).end(pngBytes);
    if (req.url === "/big.png") return void res.writeHead(200, { "content-type": "image/png" }).end(Buffer.concat([pngBytes, Buffer.alloc(64 * 1024)]));
    if (req.url === "/to-localhost") return void res.writeHead(302, { location: `http://localhost:${port}/fox.png` }).end();
    if (req.url === "/to-fox") return void res.writeHead(301, { location: "/fox.png" }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  filesHost = `127.0.0.1:${(files.address() as AddressInfo).port}`;
  server = await startIsolatedServer({ BOARDS_UPLOAD_URL_ALLOW_HOSTS: JSON.stringify([filesHost]), BOARDS_MAX_UPLOAD_SIZE: String(32 * 1024) });
  const tenant = await newTenant(server);
  owner = await tenant.user("owner");
  viewer = await tenant.user("viewer");
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "url" }) { id } }`)).createBoard.id;
  await owner.ok(`mutation($b: UUID!, $u: UUID!) { addBoardMember(boardId: $b, userId: $u) { id } }`, { b: boardId, u: viewer.id });
});
afterAll(async () => {
  await server.close();
  await new Promise<void>((resolve) => files.close(() => resolve()));
});

describe("uploadArtifact from a URL", () => {
  it("fetches the file and stores it as a completed upload", async () => {
    const data = expectData(
      await owner.gql<{ uploadArtifact: { status: string; generatorName: string; artifactType: string; inputParams: Record<string, unknown>; storageUrl: string } }>(UPLOAD, {
        input: { boardId, artifactType: "IMAGE", fileUrl: `http://${filesHost}/fox.png`, userDescription: "red" },
      }),
    );
    expect(data.uploadArtifact).toMatchObject({ status: "COMPLETED", generatorName: "user-upload-image", artifactType: "IMAGE" });
    expect(data.uploadArtifact.inputParams).toEqual({ upload_source: "url", original_filename: "fox.png", source_url: `http://${filesHost}/fox.png`, user_description: "red" });
    const stored = Buffer.from(await (await fetch(data.uploadArtifact.storageUrl)).arrayBuffer());
    expect(stored.equals(pngBytes)).toBe(true);
  });

  it("follows a redirect within a trusted host", async () => {
    expectData(await owner.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: `http://${filesHost}/to-fox` } }));
  });

  it.each([
    ["loopback on another port", () => `http://127.0.0.1:1/x.png`],
    ["a hostname resolving to 127.0.0.1", () => `http://localhost:${filesHost.split(":")[1]}/fox.png`],
    ["a private address", () => "http://10.0.0.1/x.png"],
    ["the cloud metadata address", () => "http://169.254.169.254/latest/meta-data/"],
    ["IPv6 loopback", () => "http://[::1]/x.png"],
    ["IPv4-mapped IPv6 loopback", () => "http://[::ffff:127.0.0.1]/x.png"],
    ["the metadata address through NAT64", () => "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"],
    ["loopback through 6to4", () => "http://[2002:7f00:1::1]/x.png"],
    ["the unspecified address", () => "http://0.0.0.0/x.png"],
    ["an ftp URL", () => "ftp://example.com/x.png"],
    ["a file URL", () => "file:///etc/passwd"],
    ["a redirect to loopback", () => `http://${filesHost}/to-localhost`],
    ["not a URL", () => "not a url"],
  ])("refuses %s", async (_, url) => {
    const before = await server.prisma.generation.count({ where: { boardId } });
    const result = await owner.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: url() } });
    expectError(result, "BAD_USER_INPUT", /^URL not allowed/);
    expect(await server.prisma.generation.count({ where: { boardId } })).toBe(before);
  });

  it("reports a failed download and an oversize file", async () => {
    expectError(await owner.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: `http://${filesHost}/missing.png` } }), "BAD_USER_INPUT", "Failed to download from URL: HTTP 404");
    expectError(await owner.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: `http://${filesHost}/big.png` } }), "BAD_USER_INPUT", /File too large/);
  });

  it("checks permission before fetching anything, and requires a URL (or a file)", async () => {
    const before = hits;
    expectError(await viewer.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: `http://${filesHost}/fox.png` } }), "FORBIDDEN");
    expect(hits).toBe(before);
    expectError(await owner.gql(UPLOAD, { input: { boardId, artifactType: "IMAGE" } }), "BAD_USER_INPUT", "Give a file or a fileUrl");
  });

  it("refuses content that does not match the artifact type", async () => {
    expectError(await owner.gql(UPLOAD, { input: { boardId, artifactType: "AUDIO", fileUrl: `http://${filesHost}/fox.png` } }), "BAD_USER_INPUT", /MIME type 'image\/png' does not match artifact type 'audio'/);
  });
});

describe("isBlockedAddress", () => {
  it.each(["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "nonsense"])(
    "blocks %s",
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );
  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"])("allows %s", (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});
