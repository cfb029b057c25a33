/**
 * `uploadArtifact(input: { fileUrl })` against hostile and broken origin servers: DNS pinning,
 * bodies that drip or stop early, broken redirects, malformed URLs and the extension rules.
 *
 * Name resolution goes through a resolver the test injects: it answers `localhost` with
 * 127.0.0.2, where the real origin listens, while the system resolver answers 127.0.0.1, where
 * a decoy listens on the same port. A download that reaches the origin proves the connection
 * went to the address the guard resolved and vetted, not to a second DNS answer.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { LookupAddress } from "node:dns";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, type Actor } from "./helpers/actors.js";
import { startIsolatedServer } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

const UPLOAD = `mutation($input: UploadArtifactInput!) { uploadArtifact(input: $input) { id status inputParams storageUrl } }`;
const TIMEOUT_SECONDS = 4;

let origin: Server;
let decoy: Server;
let port: number;
let server: TestServer;
let owner: Actor;
let boardId: string;
let pngBytes: Buffer;
const resolved: string[] = [];
const open = new Set<Socket>();

/**
 * The injected resolver: `localhost` is the origin's address; `rebind.test` is loopback;
 * `slow.test` never answers.
 */
async function resolveHost(host: string): Promise<LookupAddress[]> {
  resolved.push(host);
  if (host === "slow.test") return new Promise<never>(() => undefined);
  if (host === "localhost") return [{ address: "127.0.0.2", family: 4 }];
  if (host === "rebind.test") return [{ address: "127.0.0.1", family: 4 }];
  throw Object.assign(new Error(`no such host ${host}`), { code: "ENOTFOUND" });
}

function listen(s: Server, host: string, at: number): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.listen(at, host, () => resolve());
  });
}

beforeAll(async () => {
  pngBytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#3a3" } }).png().toBuffer();
  origin = createServer((req, res) => {
    const path = req.url ?? "";
    if (path === "/fox.png" || path === "/evil.html" || path === "/bad%zz.png" || path === "/named") {
      return void res.writeHead(200, { "content-type": "image/png" }).end(pngBytes);
    }
    if (path === "/drip") {
      // Headers and a first byte at once, then one byte at a time until the client gives up.
      res.writeHead(200, { "content-type": "image/png" });
      res.write(pngBytes.subarray(0, 1));
      let at = 1;
      const timer = setInterval(() => res.write(pngBytes.subarray(at % pngBytes.length, (at++ % pngBytes.length) + 1)), 200);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (path === "/short") {
      // Promises more than it sends, then hangs up.
      res.writeHead(200, { "content-type": "image/png", "content-length": String(pngBytes.length * 4) });
      res.write(pngBytes);
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (path === "/bad-redirect") return void res.writeHead(302, { location: "http://[oops/x.png" }).end();
    if (path === "/to-ftp") return void res.writeHead(302, { location: "ftp://example.com/x.png" }).end();
    if (path === "/to-rebind") return void res.writeHead(302, { location: `http://rebind.test:${port}/fox.png` }).end();
    if (path === "/to-bad-escape") return void res.writeHead(302, { location: "/bad%zz.png" }).end();
    res.writeHead(404).end();
  });
  origin.on("connection", (socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  decoy = createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("decoy: the system resolver's address"));
  // The decoy must get the origin's port on 127.0.0.1; retry with another port if it is taken.
  for (let attempt = 0; ; attempt++) {
    await listen(origin, "127.0.0.2", 0);
    port = (origin.address() as AddressInfo).port;
    try {
      await listen(decoy, "127.0.0.1", port);
      break;
    } catch (error) {
      await new Promise<void>((resolve) => origin.close(() => resolve()));
      if (attempt >= 5) throw error;
    }
  }
  server = await startIsolatedServer(
    {
      // Trusted by name, so its loopback address passes; the name is still resolved once and pinned.
      BOARDS_UPLOAD_URL_ALLOW_HOSTS: JSON.stringify([`localhost:${port}`]),
      BOARDS_UPLOAD_URL_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
      BOARDS_MAX_UPLOAD_SIZE: String(64 * 1024),
    },
    { override: (runtime) => ({ ...runtime, resolveHost }) },
  );
  const tenant = await newTenant(server);
  owner = await tenant.user("owner");
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "url fetch" }) { id } }`)).createBoard.id;
});
afterAll(async () => {
  await server?.close();
  for (const socket of open) socket.destroy();
  await Promise.all([origin, decoy].map((s) => new Promise<void>((resolve) => (s?.listening ? s.close(() => resolve()) : resolve()))));
});

const upload = (fileUrl: string, extra: Record<string, unknown> = {}) => owner.gql<{ uploadArtifact: { inputParams: Record<string, unknown>; storageUrl: string } }>(UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl, ...extra } });
const count = () => server.prisma.generation.count({ where: { boardId } });

describe("DNS pinning", () => {
  it("connects to the address the guard resolved, not to a fresh system DNS answer", async () => {
    resolved.length = 0;
    const data = expectData(await upload(`http://localhost:${port}/fox.png`));
    expect(resolved).toEqual(["localhost"]);
    const stored = Buffer.from(await (await fetch(data.uploadArtifact.storageUrl)).arrayBuffer());
    expect(stored.equals(pngBytes)).toBe(true);
    expect(data.uploadArtifact.inputParams.original_filename).toBe("fox.png");
  });

  it("vets a redirect target's resolved address too", async () => {
    const before = await count();
    expectError(await upload(`http://localhost:${port}/to-rebind`), "BAD_USER_INPUT", /^URL not allowed: rebind\.test/);
    expect(await count()).toBe(before);
  });
});

describe("broken origins surface as BAD_USER_INPUT", () => {
  it("a body that drips past the timeout", async () => {
    expectError(await upload(`http://localhost:${port}/drip`), "BAD_USER_INPUT", "Failed to download from URL: timed out");
  });

  it("a body shorter than its content-length", async () => {
    expectError(await upload(`http://localhost:${port}/short`), "BAD_USER_INPUT", /^Failed to download from URL: the connection was closed/);
  });

  it("a name that takes longer to resolve than the timeout", async () => {
    expectError(await upload(`http://slow.test:${port}/fox.png`), "BAD_USER_INPUT", "Failed to download from URL: timed out");
  });

  it("a redirect to a malformed URL", async () => {
    expectError(await upload(`http://localhost:${port}/bad-redirect`), "BAD_USER_INPUT", "Failed to download from URL: the redirect location is not a valid URL");
  });

  it("a redirect to another scheme", async () => {
    expectError(await upload(`http://localhost:${port}/to-ftp`), "BAD_USER_INPUT", /^URL not allowed: only http and https/);
  });
});

describe("malformed and hostile URLs", () => {
  it("a path with a bad percent-escape", async () => {
    const before = await count();
    expectError(await upload(`http://localhost:${port}/bad%zz.png`), "BAD_USER_INPUT", /^Invalid fileUrl: .*percent-escape/);
    expectError(await upload(`http://localhost:${port}/to-bad-escape`), "BAD_USER_INPUT", /^Invalid fileUrl: .*percent-escape/);
    expect(await count()).toBe(before);
  });

  it("a bad percent-escape is harmless when the file name is given", async () => {
    const data = expectData(await upload(`http://localhost:${port}/bad%zz.png`, { originalFilename: "named.png" }));
    expect(data.uploadArtifact.inputParams.original_filename).toBe("named.png");
  });

  it("a very long URL", async () => {
    expectError(await upload(`http://localhost:${port}/${"a".repeat(5000)}.png`), "BAD_USER_INPUT", /^URL not allowed: longer than \d+ characters/);
  });

  it.each([
    ["full-width digits", "http://１２７.０.０.１/x.png"],
    ["a hexadecimal address", "http://0x7f000001/x.png"],
    ["a single-number address", "http://2130706433/x.png"],
    ["a trailing dot", "http://127.0.0.1./x.png"],
  ])("loopback written with %s", async (_, url) => {
    expectError(await upload(url), "BAD_USER_INPUT", "URL not allowed: 127.0.0.1 is a private, loopback or link-local address");
  });

  it("an internationalized name is resolved in its ASCII form", async () => {
    resolved.length = 0;
    expectError(await upload("http://ëxample.test/x.png"), "BAD_USER_INPUT", "URL not allowed: cannot resolve xn--xample-ova.test");
    expect(resolved).toEqual(["xn--xample-ova.test"]);
  });

  it("credentials in the URL", async () => {
    expectError(await upload(`http://user:pw@localhost:${port}/fox.png`), "BAD_USER_INPUT", /credentials/);
  });
});

describe("extension rules", () => {
  it("refuses a URL whose file name has a refused extension, like a file upload", async () => {
    const before = await count();
    expectError(await upload(`http://localhost:${port}/evil.html`), "BAD_USER_INPUT", "File extension '.html' is not allowed");
    expectError(await upload(`http://localhost:${port}/fox.png`, { originalFilename: "evil.html" }), "BAD_USER_INPUT", "File extension '.html' is not allowed");
    expect(await count()).toBe(before);
  });

  it("accepts a URL without an extension", async () => {
    expectData(await upload(`http://localhost:${port}/named`));
  });
});
