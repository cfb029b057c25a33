/**
 * GET/HEAD /api/storage/{key} over real HTTP: files stored by real generations (and a few put
 * straight into the server's storage), their headers, byte ranges, downloads, and every way of
 * trying to read a file outside the storage directory.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { launchServer, type TestServer } from "./helpers/launch.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { createBoard } from "./helpers/taggingFixtures.js";

type RawResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/**
 * One request with `path` sent exactly as given (fetch and URL parsing would resolve `..` and
 * turn backslashes into slashes before the server ever saw them).
 */
function raw(server: TestServer, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

const header = (response: RawResponse, name: string) => {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

const json = (response: RawResponse): unknown => JSON.parse(response.body.toString("utf8"));

let db: ThrowawayDatabase;
let root: string;
let storageDir: string;
let server: TestServer;
let owner: Actor;
/** Contents of files just outside the storage directory, which must never be served. */
const SECRET = `secret-${randomBytes(8).toString("hex")}`;

/** A file of known bytes put straight into the server's storage. */
/** Keys live under a public board of the test tenant (set in beforeAll); traversal cases only need the shape. */
let FILES = "fixtures/known";
let KNOWN_KEY = "fixtures/known/abc123_20260101000000_deadbeef/original";
const KNOWN = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

let image: { path: string; bytes: Buffer };
let text: { path: string; bytes: Buffer };

async function generate(generatorName: string, artifactType: string, inputParams: Record<string, unknown>) {
  const board = await createBoard(owner, { title: "Files", isPublic: true });
  const { createGeneration } = await owner.ok<{ createGeneration: { id: string } }>(
    `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`,
    { input: { boardId: board, generatorName, artifactType, inputParams } },
  );
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { generation } = await owner.ok<{ generation: { status: string; storageUrl: string | null } }>(
      `query($id: UUID!) { generation(id: $id) { status storageUrl } }`,
      { id: createGeneration.id },
    );
    if (generation.status === "COMPLETED") {
      const path = new URL(generation.storageUrl!).pathname;
      const key = decodeURIComponent(path.slice("/api/storage/".length));
      return { path, bytes: await readFile(join(storageDir, key)) };
    }
    if (generation.status === "FAILED" || Date.now() > deadline) throw new Error(`generation did not complete: ${JSON.stringify(generation)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  db = await privateDatabase("files");
  root = await mkdtemp(join(tmpdir(), "boards-storage-route-"));
  storageDir = join(root, "storage");
  await mkdir(storageDir);
  // Bait: a file beside the storage directory, one in a directory whose name merely starts
  // like it, and one at the top of the temporary root.
  await writeFile(join(root, "sentinel.txt"), SECRET);
  await mkdir(join(root, "storage-evil"));
  await writeFile(join(root, "storage-evil", "sentinel.txt"), SECRET);
  server = await launchServer(db.url, { BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir }, { worker: true });
  owner = await (await newTenant(server)).user("owner");
  const filesBoard = await server.prisma.board.findUniqueOrThrow({ where: { id: await createBoard(owner, { title: "Fixtures", isPublic: true }) } });
  FILES = `${filesBoard.tenantId}/image/${filesBoard.id}`;
  KNOWN_KEY = `${FILES}/abc123_20260101000000_deadbeef/original`;
  await server.runtime.storage.provider("local").put(KNOWN_KEY, KNOWN, { contentType: "application/octet-stream" });
  image = await generate("image-from-prompt", "IMAGE", { prompt: "a red kite", width: 24, height: 16 });
  text = await generate("text-from-prompt", "TEXT", { prompt: "hello files", style: "echo" });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("serving stored files", () => {
  it("serves a generated image with its content type and length", async () => {
    const response = await raw(server, image.path);
    expect(response.status).toBe(200);
    expect(header(response, "content-type")).toBe("image/png");
    expect(header(response, "content-length")).toBe(String(image.bytes.length));
    expect(header(response, "accept-ranges")).toBe("bytes");
    expect(header(response, "x-content-type-options")).toBe("nosniff");
    expect(response.body.equals(image.bytes)).toBe(true);
    expect(response.body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  });

  it("serves generated text as UTF-8 text", async () => {
    const response = await raw(server, text.path);
    expect(response.status).toBe(200);
    expect(header(response, "content-type")).toBe("text/plain; charset=utf-8");
    expect(header(response, "content-length")).toBe(String(text.bytes.length));
    expect(response.body.toString("utf8")).toBe("hello files");
    expect(header(response, "x-content-type-options")).toBe("nosniff");
  });

  it("is what fetch gets from the generation's storageUrl", async () => {
    const response = await fetch(`${server.url}${image.path}`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(image.bytes)).toBe(true);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const response = await raw(server, image.path, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(header(response, "content-type")).toBe("image/png");
    expect(header(response, "content-length")).toBe(String(image.bytes.length));
    expect(header(response, "accept-ranges")).toBe("bytes");
    expect(header(response, "x-content-type-options")).toBe("nosniff");
    expect(response.body.length).toBe(0);
  });

  it("keeps stored pages from running as pages", async () => {
    const key = `${FILES}/page_20260101000000_0000cafe/original`;
    await server.runtime.storage.provider("local").put(key, Buffer.from("<script>alert(1)</script>"), { contentType: "text/html" });
    const response = await raw(server, `/api/storage/${key}`);
    expect(response.status).toBe(200);
    expect(header(response, "content-type")).toBe("text/html");
    expect(header(response, "x-content-type-options")).toBe("nosniff");
    expect(header(response, "content-security-policy")).toMatch(/sandbox/);
  });

  it("answers 404 for unknown keys and for directories", async () => {
    for (const path of [
      "/api/storage/fixtures/known/abc123_20260101000000_deadbeef/missing",
      "/api/storage/nothing-here",
      "/api/storage/fixtures/known",
    ]) {
      const response = await raw(server, path);
      expect(response.status, path).toBe(404);
      expect(json(response)).toEqual({ detail: "File not found" });
    }
  });

  it("answers 405 to other methods", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await raw(server, `/api/storage/${KNOWN_KEY}`, { method });
      expect(response.status, method).toBe(405);
      expect(header(response, "allow")).toMatch(/GET/);
    }
    // Still there.
    expect((await raw(server, `/api/storage/${KNOWN_KEY}`)).body.equals(KNOWN)).toBe(true);
  });
});

describe("byte ranges", () => {
  const path = () => `/api/storage/${KNOWN_KEY}`;
  const size = KNOWN.length;
  const ranged = (range: string, method = "GET") => raw(server, path(), { method, headers: { range } });

  it("bytes=0-9 → 206 with the first ten bytes", async () => {
    const response = await ranged("bytes=0-9");
    expect(response.status).toBe(206);
    expect(header(response, "content-range")).toBe(`bytes 0-9/${size}`);
    expect(header(response, "content-length")).toBe("10");
    expect(response.body.toString()).toBe("0123456789");
    expect(header(response, "x-content-type-options")).toBe("nosniff");
  });

  it("bytes=10- → 206 with the rest", async () => {
    const response = await ranged("bytes=10-");
    expect(response.status).toBe(206);
    expect(header(response, "content-range")).toBe(`bytes 10-${size - 1}/${size}`);
    expect(header(response, "content-length")).toBe(String(size - 10));
    expect(response.body.equals(KNOWN.subarray(10))).toBe(true);
  });

  it("bytes=-5 → 206 with the last five bytes", async () => {
    const response = await ranged("bytes=-5");
    expect(response.status).toBe(206);
    expect(header(response, "content-range")).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect(response.body.toString()).toBe("VWXYZ");
  });

  it("an end past the end is cut to the last byte", async () => {
    const response = await ranged(`bytes=${size - 3}-${size + 100}`);
    expect(response.status).toBe(206);
    expect(header(response, "content-range")).toBe(`bytes ${size - 3}-${size - 1}/${size}`);
    expect(response.body.toString()).toBe("XYZ");
  });

  it("a range starting past the end → 416 with the size", async () => {
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`]) {
      const response = await ranged(range);
      expect(response.status, range).toBe(416);
      expect(header(response, "content-range")).toBe(`bytes */${size}`);
    }
  });

  it("ranges work on generated files and on HEAD", async () => {
    const response = await raw(server, image.path, { headers: { range: "bytes=0-7" } });
    expect(response.status).toBe(206);
    expect(header(response, "content-type")).toBe("image/png");
    expect(header(response, "content-range")).toBe(`bytes 0-7/${image.bytes.length}`);
    expect(response.body.equals(image.bytes.subarray(0, 8))).toBe(true);
    const head = await ranged("bytes=0-9", "HEAD");
    expect(head.status).toBe(206);
    expect(header(head, "content-length")).toBe("10");
    expect(head.body.length).toBe(0);
  });

  it("malformed or multiple ranges are ignored: the whole file, 200", async () => {
    for (const range of ["bytes=abc", "bytes=9-2", "bytes=-", "items=0-9", "bytes=0-1,4-5", "0-9", "bytes 0-9"]) {
      const response = await ranged(range);
      expect(response.status, range).toBe(200);
      expect(header(response, "content-range"), range).toBeUndefined();
      expect(header(response, "content-length"), range).toBe(String(size));
      expect(response.body.equals(KNOWN), range).toBe(true);
    }
  });
});

describe("downloads", () => {
  const disposition = async (query: string, path = image.path) => {
    const response = await raw(server, `${path}?${query}`);
    expect(response.status).toBe(200);
    return header(response, "content-disposition") ?? "";
  };
  /** The filename of an attachment disposition. */
  const attachmentName = (value: string) => {
    const match = /^attachment; filename="([^"]*)"$/.exec(value);
    expect(match, value).not.toBeNull();
    return match![1]!;
  };

  it("?download=true → attachment named after the artifact, with its extension", async () => {
    const name = attachmentName(await disposition("download=true"));
    expect(name).toMatch(/\.png$/);
    // The artifact's folder name: {generation id}_{timestamp}_{8 hex}.
    expect(name).toMatch(/^[0-9a-f-]{36}_\d{14}_[0-9a-f]{8}\.png$/);
    expect(attachmentName(await disposition("download=true", text.path))).toMatch(/\.txt$/);
  });

  it("without download=true the file is inline", async () => {
    expect(await disposition("")).toMatch(/^inline/);
    expect(await disposition("download=false")).toMatch(/^inline/);
  });

  it("?filename= is used, sanitized, with the right extension", async () => {
    expect(attachmentName(await disposition("download=true&filename=kite"))).toBe("kite.png");
    expect(attachmentName(await disposition("download=true&filename=kite.png"))).toBe("kite.png");
    for (const hostile of ["../../etc/passwd", '..\\..\\x" ; evil=1', "a\r\nSet-Cookie: x=1", ".hidden", "/abs/path", "名前"]) {
      const response = await raw(server, `${image.path}?download=true&filename=${encodeURIComponent(hostile)}`);
      expect(response.status, hostile).toBe(200);
      expect(header(response, "set-cookie"), hostile).toBeUndefined();
      const name = attachmentName(header(response, "content-disposition") ?? "");
      expect(name, hostile).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*\.png$/);
      expect(name, hostile).not.toContain("..");
    }
  });
});

describe("paths outside the storage directory", () => {
  const outside = () => [join(root, "sentinel.txt"), join(root, "storage-evil", "sentinel.txt")];

  /** Requests that try to leave the storage directory (or smuggle separators into a key). */
  const attempts = () => {
    const dir = basename(storageDir);
    const absolute = outside()[0]!;
    return [
      "/api/storage/../sentinel.txt",
      "/api/storage/../../sentinel.txt",
      `/api/storage/../${dir}-evil/sentinel.txt`,
      "/api/storage/fixtures/../../sentinel.txt",
      `/api/storage/fixtures/../../${dir}-evil/sentinel.txt`,
      `/api/storage/fixtures/../${KNOWN_KEY}`,
      "/api/storage/%2e%2e/sentinel.txt",
      "/api/storage/%2E%2E/sentinel.txt",
      "/api/storage/.%2e/sentinel.txt",
      "/api/storage/%2e%2e%2fsentinel.txt",
      "/api/storage/..%2Fsentinel.txt",
      "/api/storage/fixtures%2F..%2F..%2Fsentinel.txt",
      `/api/storage/..%2F${dir}-evil%2Fsentinel.txt`,
      "/api/storage/%252e%252e/sentinel.txt",
      "/api/storage/..\\sentinel.txt",
      "/api/storage/fixtures\\..\\..\\sentinel.txt",
      "/api/storage/..%5Csentinel.txt",
      "/api/storage/..%5c..%5csentinel.txt",
      "/api/storage/sentinel.txt%00",
      `/api/storage/${KNOWN_KEY}%00.png`,
      "/api/storage/%00/../sentinel.txt",
      `/api/storage/${absolute}`,
      `/api/storage//${absolute}`,
      `/api/storage/${encodeURIComponent(absolute)}`,
      "/api/storage//etc/passwd",
      "/api/storage/%2Fetc%2Fpasswd",
      "/api/storage/C:%5CWindows%5Cwin.ini",
    ];
  };

  it("the bait exists and is readable, so refusals below are meaningful", async () => {
    for (const file of outside()) expect(await readFile(file, "utf8")).toBe(SECRET);
  });

  it("every traversal attempt is refused with 403 and nothing outside is ever served", async () => {
    const wrong: string[] = [];
    for (const path of attempts()) {
      for (const method of ["GET", "HEAD"]) {
        const response = await raw(server, path, { method });
        expect(response.body.toString("latin1"), `${method} ${path}`).not.toContain(SECRET);
        if (response.status !== 403) wrong.push(`${method} ${path} → ${response.status}`);
        else if (method === "GET") expect(json(response)).toEqual({ detail: "Access denied" });
      }
    }
    expect(wrong).toEqual([]);
  });
});
