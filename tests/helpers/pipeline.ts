/**
 * Helpers for the generation pipeline suite: a server on a database of the suite's own (every
 * job worker on a database takes any queued job, so a suite that inspects the queue or waits
 * for its own worker must not share it), submitting generations, waiting for them to settle,
 * downloading their files and reading PNG / WAV headers.
 */
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Actor } from "./actors.js";
import { privateDatabase } from "./privateDatabase.js";
import { launchServer, type LaunchOptions, type TestServer } from "./launch.js";
import type { GqlResult } from "./server.js";
import type { Caller } from "./taggingFixtures.js";

/**
 * Starts the API on a freshly migrated database of its own (dropped on `close`), so no other
 * suite's worker runs its jobs and its job table holds only its own jobs.
 */
export async function startIsolatedServer(env: Record<string, string> = {}, options: LaunchOptions = {}): Promise<TestServer> {
  const database = await privateDatabase(`pl_${randomBytes(4).toString("hex")}`);
  let server: TestServer;
  try {
    server = await launchServer(database.url, env, options);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    ...server,
    async close() {
      try {
        await server.close();
      } finally {
        await database.drop();
      }
    },
  };
}

export const GENERATION_FIELDS = `
  id tenantId boardId userId generatorName artifactType status progress errorMessage
  storageUrl thumbnailUrl inputParams metadata outputMetadata startedAt completedAt createdAt updatedAt
  inputArtifacts { generationId role artifactType generation { id } }
`;

export type GenerationView = {
  id: string;
  tenantId: string;
  boardId: string;
  userId: string;
  generatorName: string;
  artifactType: string;
  status: string;
  progress: number;
  errorMessage: string | null;
  storageUrl: string | null;
  thumbnailUrl: string | null;
  inputParams: Record<string, unknown>;
  metadata: Record<string, unknown>;
  outputMetadata: Record<string, unknown>;
  startedAt: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
  inputArtifacts: Array<{ generationId: string; role: string; artifactType: string; generation: { id: string } | null }>;
};

export type SubmitInput = {
  boardId: string;
  generatorName: string;
  artifactType: string;
  inputParams: unknown;
  metadata?: unknown;
};

const CREATE_GENERATION = `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { ${GENERATION_FIELDS} } }`;

/** Runs `createGeneration` and returns the raw result (for error cases). */
export function tryCreateGeneration(caller: Caller, input: SubmitInput): Promise<GqlResult<{ createGeneration: GenerationView }>> {
  return caller.gql<{ createGeneration: GenerationView }>(CREATE_GENERATION, { input });
}

/** Runs `createGeneration`, which must succeed, and returns the new (queued) generation. */
export async function submitGeneration(actor: Actor, input: SubmitInput): Promise<GenerationView> {
  return (await actor.ok<{ createGeneration: GenerationView }>(CREATE_GENERATION, { input })).createGeneration;
}

/** The generation as the caller sees it, or null. */
export async function readGeneration(caller: Caller, id: string): Promise<GenerationView | null> {
  const data = await caller.ok<{ generation: GenerationView | null }>(`query($id: UUID!) { generation(id: $id) { ${GENERATION_FIELDS} } }`, { id });
  return data.generation;
}

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

/**
 * Polls `generation(id)` until it reaches a terminal state and returns it. Gives up after a
 * bounded number of reads (failing with the last state seen), never asserting on time.
 */
export async function awaitGeneration(caller: Caller, id: string, attempts = 150): Promise<GenerationView> {
  let last: GenerationView | null = null;
  for (let i = 0; i < attempts; i++) {
    last = await readGeneration(caller, id);
    if (last && TERMINAL.has(last.status)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`generation ${id} did not settle; last seen: ${JSON.stringify(last)}`);
}

/** Waits for a generation to settle and asserts it completed (showing its error otherwise). */
export async function awaitCompleted(caller: Caller, id: string): Promise<GenerationView> {
  const settled = await awaitGeneration(caller, id);
  expect(settled.status, `generation ${id} ended ${settled.status}: ${settled.errorMessage}`).toBe("COMPLETED");
  return settled;
}

/** GETs a URL over HTTP and returns status, content type and body bytes. */
export async function download(url: string): Promise<{ status: number; contentType: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, contentType: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk; fails the test when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.length).toBeGreaterThan(33);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), "PNG signature").toBe(true);
  expect(bytes.readUInt32BE(8)).toBe(13);
  expect(bytes.toString("ascii", 12, 16)).toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

export type WavInfo = { audioFormat: number; channels: number; sampleRate: number; bitsPerSample: number; dataBytes: number };

/** The `fmt ` and `data` chunks of a RIFF/WAVE file; fails the test when the bytes are not one. */
export function wavInfo(bytes: Buffer): WavInfo {
  expect(bytes.length).toBeGreaterThanOrEqual(44);
  expect(bytes.toString("ascii", 0, 4)).toBe("RIFF");
  expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
  expect(bytes.toString("ascii", 8, 12)).toBe("WAVE");
  let fmt: Omit<WavInfo, "dataBytes"> | undefined;
  let dataBytes: number | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString("ascii", at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === "fmt ") {
      fmt = {
        audioFormat: bytes.readUInt16LE(at + 8),
        channels: bytes.readUInt16LE(at + 10),
        sampleRate: bytes.readUInt32LE(at + 12),
        bitsPerSample: bytes.readUInt16LE(at + 22),
      };
    }
    if (id === "data") dataBytes = size;
    at += 8 + size + (size % 2);
  }
  expect(fmt, "fmt chunk").toBeDefined();
  expect(dataBytes, "data chunk").toBeDefined();
  return { ...fmt!, dataBytes: dataBytes! };
}

/** Number of rows in the job queue of the server's database. */
export async function jobCount(server: TestServer): Promise<number> {
  const rows = await server.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM graphile_worker.jobs`;
  return rows[0]!.n;
}
