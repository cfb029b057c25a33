/**
 * The pipeline on the S3 backend: outputs land in the bucket (served from it), inputs are read
 * back from it, and deleting a generation deletes its object.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, newTenant, type Actor } from "./helpers/actors.js";
import { awaitCompleted, pngSize, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import { objectExists as inBucket, startS3Server, type TestS3 } from "./helpers/s3Server.js";
import type { TestServer } from "./helpers/server.js";

let s3: TestS3;
let server: TestServer;
let owner: Actor;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server("boards-artifacts");
  server = await startIsolatedServer(
    {
      BOARDS_STORAGE_DEFAULT_PROVIDER: "s3",
      BOARDS_STORAGE_S3_BUCKET: s3.bucket,
      BOARDS_STORAGE_S3_ENDPOINT: s3.endpoint,
      BOARDS_STORAGE_S3_PREFIX: "boards",
      BOARDS_AWS_ACCESS_KEY_ID: s3.accessKeyId,
      BOARDS_AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    },
    { worker: true },
  );
  owner = await (await newTenant(server)).user("owner");
  client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
});

afterAll(async () => {
  client.destroy();
  await server.close();
  await s3.close();
});

const objectExists = (key: string) => inBucket(client, s3.bucket, key);

describe("generations stored in an S3 bucket", () => {
  it("stores the output under the prefix, serves it from the bucket, reads it back as an input, and deletes it with the generation", async () => {
    const { createBoard } = await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "s3" }) { id } }`);
    const source = await submitGeneration(owner, {
      boardId: createBoard.id,
      generatorName: "image-from-prompt",
      artifactType: "IMAGE",
      inputParams: { prompt: "bucket fox", width: 40, height: 30 },
    });
    const done = await awaitCompleted(owner, source.id);
    const url = done.storageUrl ?? "";
    expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/boards/`)).toBe(true);
    // A private board's file comes as a presigned GET (the bucket itself is not public).
    expect(url).toContain("X-Amz-Signature=");
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: source.id } });
    expect(row.storageProvider).toBe("s3");
    expect(await objectExists(`boards/${row.storageKey}`)).toBe(true);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(pngSize(Buffer.from(await response.arrayBuffer()))).toEqual({ width: 40, height: 30 });

    // The worker reads inputs from the bucket too.
    const derived = await submitGeneration(owner, {
      boardId: createBoard.id,
      generatorName: "image-transform",
      artifactType: "IMAGE",
      inputParams: { image: source.id, operation: "invert" },
    });
    const transformed = await awaitCompleted(owner, derived.id);
    const bytes = Buffer.from(await (await fetch(transformed.storageUrl ?? "")).arrayBuffer());
    expect(pngSize(bytes)).toEqual({ width: 40, height: 30 });

    expectData(await owner.gql(`mutation($id: UUID!) { deleteGeneration(id: $id) }`, { id: source.id }));
    expect(await objectExists(`boards/${row.storageKey}`)).toBe(false);
  });
});
