/**
 * What GET /api/storage/{key} tells caches, and what it never serves: files of private boards are
 * never publicly cacheable (a signed link's answer is cacheable privately until the link expires,
 * a credentialed answer not at all); the backends' own files (`.meta` sidecars, temporary files)
 * are never served; and the links handed out carry the configured lifetime.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { localStorageDir } from "./helpers/launch.js";
import { postUpload } from "./helpers/restUpload.js";
import { S3Client } from "@aws-sdk/client-s3";
import { S3Storage } from "../src/storage/S3Storage.js";
import { objectExists, startS3Server, type TestS3 } from "./helpers/s3Server.js";
import { startServer, type TestServer } from "./helpers/server.js";

const TTL_SECONDS = 900;
/** Link expiry is rounded up to five minutes (services/artifactUrls.ts). */
const ROUNDING_SECONDS = 300;

/** `madeAfter` / `madeBefore`: the times (ms) between which the links were made. */
type Stored = { key: string; plain: string; link: string; thumbnailLink: string; madeAfter: number; madeBefore: number };

async function uploadTo(server: TestServer, actor: Actor, boardId: string): Promise<Stored> {
  const bytes = await sharp({ create: { width: 20, height: 10, channels: 3, background: "#246" } }).png().toBuffer();
  const madeAfter = Date.now();
  const result = await postUpload(server, actor, { board_id: boardId, artifact_type: "image" }, { bytes, name: "f.png", type: "image/png" });
  const madeBefore = Date.now();
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: String(result.body.id) } });
  return { key: row.storageKey!, plain: row.storageUrl!, link: String(result.body.storageUrl), thumbnailLink: String(result.body.thumbnailUrl), madeAfter, madeBefore };
}

async function boards(actor: Actor): Promise<{ priv: string; pub: string }> {
  const data = await actor.ok<{ priv: { id: string }; pub: { id: string } }>(`mutation {
    priv: createBoard(input: { title: "private" }) { id }
    pub: createBoard(input: { title: "public", isPublic: true }) { id }
  }`);
  return { priv: data.priv.id, pub: data.pub.id };
}

/** Seconds from now until the unix time `exp`. */
const secondsUntil = (exp: number) => exp - Date.now() / 1000;

describe("local storage", () => {
  let server: TestServer;
  let owner: Actor;
  let stranger: Actor;
  let priv: Stored;
  let pub: Stored;

  beforeAll(async () => {
    server = await startServer({ BOARDS_STORAGE_URL_TTL_SECONDS: String(TTL_SECONDS) });
    const tenant = await newTenant(server);
    owner = await tenant.user("owner");
    stranger = await tenant.user("stranger");
    const ids = await boards(owner);
    priv = await uploadTo(server, owner, ids.priv);
    pub = await uploadTo(server, owner, ids.pub);
  });
  afterAll(() => server?.close());

  const credentials = (actor: Actor) => ({ authorization: `Bearer ${actor.token}`, "x-tenant": actor.tenant });

  describe("caching of files", () => {
    it("lets anyone cache a public board's file", async () => {
      const response = await fetch(pub.plain);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
    });

    it("lets a private board's file through a signed link be cached only privately, and never past the link's expiry", async () => {
      for (const link of [priv.link, priv.thumbnailLink]) {
        const response = await fetch(link);
        expect(response.status).toBe(200);
        const cacheControl = response.headers.get("cache-control") ?? "";
        expect(cacheControl).toMatch(/^private, max-age=\d+$/);
        const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)![1]);
        const exp = Number(new URL(link).searchParams.get("exp"));
        expect(maxAge).toBeGreaterThan(0);
        expect(maxAge).toBeLessThanOrEqual(Math.ceil(secondsUntil(exp)));
      }
    });

    it("lets nothing store a private board's file fetched with credentials, and says the answer depends on them", async () => {
      const response = await fetch(priv.plain, { headers: credentials(owner) });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("private, no-store");
      expect(response.headers.get("vary")?.toLowerCase()).toContain("authorization");
      const refused = await fetch(priv.plain, { headers: credentials(stranger) });
      expect(refused.status).toBe(403);
      expect(refused.headers.get("cache-control")).toBe("no-store");
    });

    it("keeps a signed link of a link about to expire cacheable for no longer than it lives", async () => {
      const soon = new Date(Date.now() + 20_000);
      const response = await fetch(`${priv.plain}?${server.runtime.signer.query(priv.key, soon)}`);
      expect(response.status).toBe(200);
      const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get("cache-control") ?? "")?.[1]);
      expect(maxAge).toBeLessThanOrEqual(20);
    });
  });

  describe("files of the backend itself", () => {
    it("never serves a .meta sidecar, with a signed link, with credentials or on a public board", async () => {
      const metaKey = `${priv.key}.meta`;
      const attempts = [
        fetch(`${priv.plain}.meta?${server.runtime.signer.query(metaKey, new Date(Date.now() + 60_000))}`),
        fetch(`${priv.plain}.meta`, { headers: credentials(owner) }),
        fetch(`${pub.plain}.meta`),
        fetch(`${pub.plain.replace(/original$/, "thumbnail")}.meta`),
      ];
      for (const response of await Promise.all(attempts)) {
        const body = await response.text();
        expect(response.status, body).not.toBe(200);
        expect(body).not.toContain("content_type");
      }
    });

    it("never serves a temporary file", async () => {
      // A write in progress: LocalStorage writes `.<uuid>.tmp` beside the object, then renames it.
      const temp = join(dirname(join(localStorageDir(server.env), pub.key)), ".0b5c3a8e-tmp-write.tmp");
      await writeFile(temp, "half an object");
      const response = await fetch(`${dirname(pub.plain)}/.0b5c3a8e-tmp-write.tmp`);
      const body = await response.text();
      expect(response.status, body).not.toBe(200);
      expect(body).not.toContain("half an object");
    });
  });

  describe("signed link lifetime", () => {
    it("carries the configured lifetime (BOARDS_STORAGE_URL_TTL_SECONDS) in its exp parameter", async () => {
      /** The link's expiry lies between the TTL after it was made and that plus the rounding. */
      const expectLifetime = (link: string, madeAfter: number, madeBefore: number) => {
        const exp = Number(new URL(link).searchParams.get("exp"));
        expect(exp).toBeGreaterThanOrEqual(Math.floor(madeAfter / 1000) + TTL_SECONDS);
        expect(exp).toBeLessThanOrEqual(Math.ceil(madeBefore / 1000) + TTL_SECONDS + ROUNDING_SECONDS);
      };
      expectLifetime(priv.link, priv.madeAfter, priv.madeBefore);
      expectLifetime(priv.thumbnailLink, priv.madeAfter, priv.madeBefore);
      const madeAfter = Date.now();
      const { generation } = await owner.ok<{ generation: { storageUrl: string } }>(`query($id: UUID!) { generation(id: $id) { storageUrl } }`, {
        id: priv.key.split("/")[3]!.split("_")[0],
      });
      expectLifetime(generation.storageUrl, madeAfter, Date.now());
    });
  });
});

describe("S3 storage", () => {
  let s3: TestS3;
  let server: TestServer;
  let owner: Actor;

  beforeAll(async () => {
    s3 = await startS3Server("boards-lifetime");
    server = await startServer({
      BOARDS_STORAGE_URL_TTL_SECONDS: String(TTL_SECONDS),
      BOARDS_STORAGE_DEFAULT_PROVIDER: "s3",
      BOARDS_STORAGE_S3_BUCKET: s3.bucket,
      BOARDS_STORAGE_S3_ENDPOINT: s3.endpoint,
      BOARDS_AWS_ACCESS_KEY_ID: s3.accessKeyId,
      BOARDS_AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    owner = await (await newTenant(server)).user("owner");
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it("presigns links for the configured lifetime (X-Amz-Expires)", async () => {
    const ids = await boards(owner);
    const file = await uploadTo(server, owner, ids.priv);
    for (const link of [file.link, file.thumbnailLink]) {
      const params = new URL(link).searchParams;
      expect(params.get("X-Amz-Signature")).toBeTruthy();
      // Seconds from signing to the rounded-up expiry: the TTL plus at most the rounding.
      const expires = Number(params.get("X-Amz-Expires"));
      expect(expires).toBeGreaterThanOrEqual(TTL_SECONDS);
      expect(expires).toBeLessThanOrEqual(TTL_SECONDS + ROUNDING_SECONDS);
      const response = await fetch(link);
      expect(response.status).toBe(200);
      // The bucket's answer may be kept privately, and not past the link's expiry.
      expect(response.headers.get("cache-control")).toBe("private");
      const signedAt = Date.parse(params.get("X-Amz-Date")!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
      const cachedUntil = Date.parse(response.headers.get("expires") ?? "");
      expect(cachedUntil).toBeGreaterThan(Date.now());
      expect(cachedUntil).toBeLessThanOrEqual(signedAt + expires * 1000 + 1000);
    }
  });

  it("reports an object as absent only when S3 says so: a credentials or network failure is an error", async () => {
    const ids = await boards(owner);
    const file = await uploadTo(server, owner, ids.priv);
    const right = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const clients = {
      right: new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: right }),
      // (s3rver checks the key id, not v4 signatures)
      wrongKey: new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...right, accessKeyId: "NOT-A-KEY" } }),
      // Port 9 (discard): nothing listens there on a test machine.
      unreachable: new S3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:9", forcePathStyle: true, credentials: right, maxAttempts: 1 }),
    };
    const backend = new S3Storage({ bucket: s3.bucket, region: "us-east-1", endpoint: s3.endpoint, ...right, accessKeyId: "NOT-A-KEY" });
    try {
      expect(await objectExists(clients.right, s3.bucket, file.key)).toBe(true);
      expect(await objectExists(clients.right, s3.bucket, `${file.key}-missing`)).toBe(false);
      await expect(objectExists(clients.wrongKey, s3.bucket, `${file.key}-missing`)).rejects.toThrow();
      await expect(objectExists(clients.unreachable, s3.bucket, `${file.key}-missing`)).rejects.toThrow();
      await expect(backend.get(`${file.key}-missing`)).rejects.toThrow();
    } finally {
      for (const client of Object.values(clients)) client.destroy();
      backend.close();
    }
  });
});
