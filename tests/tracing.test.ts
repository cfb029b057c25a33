/**
 * OpenTelemetry traces of the real processes: an API process and a separate worker process, both
 * exporting to a stand-in collector, run a generation; its trace must run from the HTTP request
 * through the GraphQL operation, its resolver and SQL statements, to the worker's job, the
 * generator and the stored file, under each process's service name. With tracing off (the
 * default) nothing is sent. The suite has a database of its own so its worker takes no other
 * suite's jobs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newTenant } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { postGraphql, TEST_JWT_SECRET } from "./helpers/launch.js";
import { startMainProcess, type MainProcess } from "./helpers/mainProcess.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./helpers/otlpReceiver.js";
import { pollUntil } from "./helpers/faultHarness.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { createBoard } from "./helpers/taggingFixtures.js";

const SERVER = 2;
const CONSUMER = 5;

let database: ThrowawayDatabase;
let storageDir: string;
let receiver: OtlpReceiver;
const children: MainProcess[] = [];

beforeAll(async () => {
  database = await privateDatabase("tracing");
  storageDir = await mkdtemp(join(tmpdir(), "boards-tracing-"));
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill();
    await child.exited;
  }
});

afterAll(async () => {
  await receiver?.close();
  await database?.drop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

function processEnv(extra: Record<string, string>): Record<string, string> {
  return {
    BOARDS_ENVIRONMENT: "development",
    BOARDS_API_HOST: "127.0.0.1",
    BOARDS_API_PORT: "0",
    BOARDS_DATABASE_URL: database.url,
    BOARDS_DATABASE_POOL_SIZE: "3",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: "info",
    BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
    BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE: "http://127.0.0.1:9/api/storage",
    BOARDS_WORKER_IN_PROCESS: "false",
    BOARDS_WORKER_CONCURRENCY: "1",
    BOARDS_WORKER_POLL_INTERVAL_MS: "100",
    BOARDS_WORKER_HEARTBEAT_SECONDS: "0.5",
    BOARDS_OTEL_ENDPOINT: receiver.endpoint,
    ...extra,
  };
}

type Run = { token: string; generationId: string; fileUrl: URL };

/**
 * Starts an API and a worker process, creates a board and a text generation over GraphQL,
 * waits until it is COMPLETED, downloads its file through its signed link (the board is
 * private), then stops both processes with SIGTERM (which flushes spans).
 */
async function runGeneration(otel: Record<string, string>): Promise<Run> {
  const api = startMainProcess(processEnv(otel));
  const worker = startMainProcess(processEnv(otel), "src/worker.ts");
  children.push(api, worker);
  const port = (await api.waitForLog((line) => line.msg === "boards-server listening")).port as number;
  await worker.waitForLog((line) => line.msg === "worker started");
  const url = `http://127.0.0.1:${port}`;
  const owner = await (await newTenant({ gql: (query, variables, options) => postGraphql(url, query, variables, options) })).user("owner");
  const boardId = await createBoard(owner, { title: "Traced" });
  const created = await owner.ok<{ createGeneration: { id: string } }>(
    `mutation CreateGeneration($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`,
    { input: { boardId, generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: "a traced poem" } } },
  );
  const generationId = created.createGeneration.id;
  await pollUntil(
    async () => (await owner.ok<{ generation: { status: string } }>(`query GenerationStatus($id: UUID!) { generation(id: $id) { status } }`, { id: generationId })).generation.status,
    (status) => status === "COMPLETED",
    { what: "generation COMPLETED", tries: 200 },
  );
  const link = await owner.ok<{ generation: { storageUrl: string } }>(`query GenerationFile($id: UUID!) { generation(id: $id) { storageUrl } }`, { id: generationId });
  const fileUrl = new URL(link.generation.storageUrl);
  expect(fileUrl.searchParams.get("sig")).toBeTruthy();
  const download = await fetch(`${url}${fileUrl.pathname}${fileUrl.search}`);
  expect(download.status).toBe(200);
  await download.arrayBuffer();
  for (const child of [api, worker]) {
    child.child.kill("SIGTERM");
    expect((await child.exited).code, child.output()).toBe(0);
  }
  return { token: owner.token, generationId, fileUrl };
}

function only(spans: ReceivedSpan[], predicate: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(predicate);
  expect(found.map((s) => s.name), `exactly one ${what}`).toHaveLength(1);
  return found[0]!;
}

/** Whether `span` is `ancestor` or below it. */
function descendsFrom(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at: ReceivedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
}

describe("tracing on", () => {
  it("one trace runs from the HTTP request through GraphQL and SQL to the worker's job, the generator and the stored file", async () => {
    const { token, generationId, fileUrl } = await runGeneration({ BOARDS_OTEL_ENABLED: "true" });
    const spans = receiver.spans;

    const api = spans.filter((s) => s.resource["service.name"] === "boards-api");
    const worker = spans.filter((s) => s.resource["service.name"] === "boards-worker");
    expect(api.every((s) => s.resource["boards.process"] === "api")).toBe(true);
    expect(worker.every((s) => s.resource["boards.process"] === "worker")).toBe(true);

    const operation = only(api, (s) => s.name === "mutation CreateGeneration", "createGeneration operation span");
    expect(operation.attributes).toMatchObject({ "graphql.operation.type": "mutation", "graphql.operation.name": "CreateGeneration" });
    const request = only(api, (s) => s.spanId === operation.parentSpanId, "parent of the operation span");
    expect(request).toMatchObject({ name: "POST /graphql", kind: SERVER, parentSpanId: undefined });
    expect(request.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/graphql", "http.response.status_code": 200 });
    const resolver = only(api, (s) => s.name === "graphql.resolve Mutation.createGeneration", "createGeneration resolver span");
    expect(resolver.parentSpanId).toBe(operation.spanId);
    // The statement inserting the generation and queueing its job, under the resolver.
    const insert = only(
      api,
      (s) => s.name === "db.query" && String(s.attributes["db.query.text"]).includes("graphile_worker.add_job"),
      "insert-and-enqueue statement span",
    );
    expect(descendsFrom(api, insert, resolver)).toBe(true);
    expect(insert.attributes["db.system.name"]).toBe("postgresql");

    // The worker's job continues the request's trace, as a child of the span that queued it.
    const job = only(worker, (s) => s.name === "process run_generation", "job span");
    expect(job.kind).toBe(CONSUMER);
    expect(job.traceId).toBe(request.traceId);
    expect(job.parentSpanId).toBeDefined();
    expect(descendsFrom(spans, job, request)).toBe(true);
    const generator = only(worker, (s) => s.name === "generator.run text-from-prompt", "generator span");
    expect(generator.attributes["boards.generation.id"]).toBe(generationId);
    expect(descendsFrom(worker, generator, job)).toBe(true);
    const puts = worker.filter((s) => s.name === "storage.put" && descendsFrom(worker, s, job));
    expect(puts.length).toBeGreaterThan(0);
    expect(puts[0]!.attributes).toMatchObject({ "boards.storage.provider": "local" });
    expect(Number(puts[0]!.attributes["boards.storage.bytes"])).toBeGreaterThan(0);
    // The worker's own reads and writes of the generation row are statements of the same trace.
    expect(worker.some((s) => s.name === "prisma:client:db_query" && descendsFrom(worker, s, job))).toBe(true);

    // The download is named by its route pattern, not its key, and reads through storage.
    const download = only(api, (s) => s.name === "GET /api/storage/{key}", "download request span");
    expect(download.attributes).toMatchObject({ "http.route": "/api/storage/{key}", "http.response.status_code": 200 });
    expect(api.some((s) => s.name === "storage.get" && s.parentSpanId !== undefined && descendsFrom(api, s, download))).toBe(true);

    // No credential, signed link or storage key anywhere in what was exported.
    const exported = JSON.stringify(spans);
    expect(exported).not.toContain(token);
    expect(exported).not.toContain(TEST_JWT_SECRET);
    expect(exported).not.toContain(fileUrl.searchParams.get("sig"));
    expect(exported).not.toContain(decodeURIComponent(fileUrl.pathname.replace("/api/storage/", "")));
  });
});

describe("tracing off (the default)", () => {
  it("sends nothing, even with an endpoint configured", async () => {
    const before = receiver.requests;
    await runGeneration({});
    expect(receiver.requests).toBe(before);
  });
});
