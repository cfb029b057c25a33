/**
 * Routing rules across named providers, configured by a storage file with `${VAR}` placeholders:
 * a local directory and an S3 bucket (s3rver). Each object goes where the first matching rule
 * says, is read, linked and deleted at the provider that holds it, and the storage size limit
 * caps uploads.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, newTenant, type Actor } from "./helpers/actors.js";
import { pollUntil } from "./helpers/faultHarness.js";
import { localStorageDir } from "./helpers/launch.js";
import { awaitCompleted, download, startIsolatedServer, submitGeneration, type SubmitInput } from "./helpers/pipeline.js";
import { pathExists } from "./helpers/pathExists.js";
import { objectExists, startS3Server, type TestS3 } from "./helpers/s3Server.js";
import { postUpload } from "./helpers/restUpload.js";
import type { TestServer } from "./helpers/server.js";

const STORAGE_FILE = `
storage:
  default_provider: local
  max_file_size: 1MB
  providers:
    local:
      type: local
    media:
      type: s3
      config:
        bucket: \${MEDIA_BUCKET}
        endpoint_url: \${MEDIA_ENDPOINT}
        region: \${MEDIA_REGION:-us-east-1}
        aws_access_key_id: \${MEDIA_KEY}
        aws_secret_access_key: \${MEDIA_SECRET}
        prefix: routed
  routing_rules:
    - condition: { artifact_type: audio }
      provider: media
    - condition: { artifact_type: [image, video], size_gt: 48KB }
      provider: media
    - condition: { artifact_type: text, size_gt: 4KB }
      provider: media
`;

let s3: TestS3;
let server: TestServer;
let client: S3Client;
let owner: Actor;
let boardId: string;
let configDir: string | undefined;

beforeAll(async () => {
  s3 = await startS3Server("boards-routed");
  configDir = await mkdtemp(join(tmpdir(), "boards-storage-config-"));
  const configPath = join(configDir, "storage.yaml");
  await writeFile(configPath, STORAGE_FILE);
  server = await startIsolatedServer(
    {
      BOARDS_STORAGE_CONFIG_PATH: configPath,
      MEDIA_BUCKET: s3.bucket,
      MEDIA_ENDPOINT: s3.endpoint,
      MEDIA_KEY: s3.accessKeyId,
      MEDIA_SECRET: s3.secretAccessKey,
    },
    { worker: true },
  );
  client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  owner = await (await newTenant(server)).user("owner");
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "routed" }) { id } }`)).createBoard.id;
});

afterAll(async () => {
  client.destroy();
  await server?.close();
  await s3?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

const inBucket = (key: string) => objectExists(client, s3.bucket, `routed/${key}`);

const onDisk = (key: string) => pathExists(join(localStorageDir(server.env), key));

async function generate(input: Omit<SubmitInput, "boardId">) {
  const done = await awaitCompleted(owner, (await submitGeneration(owner, { boardId, ...input })).id);
  const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: done.id } });
  return { done, row, key: row.storageKey! };
}

const upload = (bytes: Buffer, type: string, name: string) => postUpload(server, owner, { board_id: boardId, artifact_type: type.split("/")[0] }, { bytes, type, name });

/** A PNG of noise: it does not compress, so its size is about width × height × 3 bytes. */
const noisePng = (side: number) =>
  sharp({ create: { width: side, height: side, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 60 } } }).png().toBuffer();

describe("routing rules", () => {
  it("stores what no rule claims with the default provider", async () => {
    const { done, row, key } = await generate({ generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "small", width: 24, height: 24 } });
    expect(row.storageProvider).toBe("local");
    expect(await onDisk(key)).toBe(true);
    expect(await inBucket(key)).toBe(false);
    // A private board: a signed link to the API's storage route.
    expect(done.storageUrl).toMatch(new RegExp(`^${server.url}/api/storage/.*[?&]sig=`));
    expect((await download(done.storageUrl!)).status).toBe(200);
  });

  it("sends a type-routed output to its provider and links it there", async () => {
    const { done, row, key } = await generate({ generatorName: "audio-tone", artifactType: "AUDIO", inputParams: { prompt: "la", duration_seconds: 0.2, sample_rate: 8000 } });
    expect(row.storageProvider).toBe("media");
    expect(row.outputMetadata).toMatchObject({ mime_type: "audio/wav" });
    expect(await inBucket(key)).toBe(true);
    expect(await onDisk(key)).toBe(false);
    // Presigned by the bucket, not an API link.
    expect(done.storageUrl!.startsWith(`${s3.endpoint}/${s3.bucket}/routed/`)).toBe(true);
    expect(done.storageUrl).toContain("X-Amz-Signature=");
    const file = await download(done.storageUrl!);
    expect(file.status).toBe(200);
    expect(file.bytes.subarray(0, 4).toString("ascii")).toBe("RIFF");
  });

  it("routes a generator's output by its size", async () => {
    const small = await generate({ generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: "short", style: "echo" } });
    expect(small.row.storageProvider).toBe("local");
    const long = "routed words ".repeat(700);
    const large = await generate({ generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: long, style: "echo" } });
    const size = Number((large.row.outputMetadata as { file_size: number }).file_size);
    expect(size).toBe(long.length);
    expect(large.row.storageProvider).toBe("media");
    expect(await inBucket(large.key)).toBe(true);
    expect((await download(large.done.storageUrl!)).bytes.length).toBe(size);
  });

  it("routes an upload by its size, keeps its thumbnail beside it, and reads it back as a generator input", async () => {
    const bytes = await noisePng(160);
    expect(bytes.length).toBeGreaterThan(48 * 1024);
    const uploaded = await upload(bytes, "image/png", "noise.png");
    expect(uploaded.status).toBe(200);
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: String(uploaded.body.id) } });
    expect(row.storageProvider).toBe("media");
    expect(await inBucket(row.storageKey!)).toBe(true);
    expect(await inBucket(row.storageKey!.replace(/original$/, "thumbnail"))).toBe(true);
    expect((await download(String(uploaded.body.storageUrl))).bytes.equals(bytes)).toBe(true);

    const transformed = await generate({ generatorName: "image-transform", artifactType: "IMAGE", inputParams: { image: row.id, operation: "grayscale" } });
    expect(transformed.done.status).toBe("COMPLETED");
    expect(transformed.done.inputArtifacts.map((a) => a.generationId)).toEqual([row.id]);
  });

  it("refuses uploads over the storage limit (1 MB here) while reading", async () => {
    const before = await server.prisma.generation.count({ where: { boardId } });
    const result = await upload(Buffer.alloc(1.5 * 1024 * 1024, 7), "text/plain", "big.txt");
    expect(result.status).toBe(413);
    expect(await server.prisma.generation.count({ where: { boardId } })).toBe(before);
  });

  it("deletes objects at the provider that holds them, for generations and whole boards", async () => {
    const tone = await generate({ generatorName: "audio-tone", artifactType: "AUDIO", inputParams: { prompt: "gone", duration_seconds: 0.1, sample_rate: 8000 } });
    expect(await inBucket(tone.key)).toBe(true);
    expectData(await owner.gql(`mutation($id: UUID!) { deleteGeneration(id: $id) }`, { id: tone.done.id }));
    expect(await inBucket(tone.key)).toBe(false);

    const rows = await server.prisma.generation.findMany({ where: { boardId, storageKey: { not: null } } });
    const media = rows.filter((r) => r.storageProvider === "media").map((r) => r.storageKey!);
    const local = rows.filter((r) => r.storageProvider === "local").map((r) => r.storageKey!);
    expect(media.length).toBeGreaterThan(0);
    expect(local.length).toBeGreaterThan(0);
    expectData(await owner.gql(`mutation($id: UUID!) { deleteBoard(id: $id) { success } }`, { id: boardId }));
    const gone = async () => (await Promise.all([...media.map(inBucket), ...local.map(onDisk)])).every((present) => !present);
    await pollUntil(gone, (yes) => yes, { tries: 100, what: "the board's objects in both providers to be deleted" });
  });
});
