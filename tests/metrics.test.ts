/**
 * GET /metrics of the real processes (src/main.ts, src/worker.ts) after real traffic: the
 * families and label values an operator's dashboards and alerts read, the bearer token, the
 * separate metrics port, the cap on operation names, and a worker process's own registry.
 * The processes run on a database of the suite's own, so their workers take no other suite's
 * jobs.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { openProgressStream, sseSubscribe, wsClient } from "./helpers/live.js";
import { faultWorkspace, FLAKY, type FaultWorkspace } from "./helpers/faultHarness.js";
import { startMainProcess, type LogLine, type MainProcess } from "./helpers/mainProcess.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { labelValues, scrape, scrapeUntil, select, total, type Sample } from "./helpers/scrape.js";
import { postGraphql } from "./helpers/launch.js";
import { TEST_JWT_SECRET, type GqlResult } from "./helpers/server.js";

const isListening = (line: LogLine) => line.msg === "boards-server listening";
const isMetricsListening = (line: LogLine) => line.msg === "metrics listening";
const METRICS_TOKEN = `metrics-${randomBytes(12).toString("hex")}`;

let db: ThrowawayDatabase;
let storageDir: string;
beforeAll(async () => {
  db = await privateDatabase("metrics");
  storageDir = await mkdtemp(join(tmpdir(), "boards-metrics-"));
});
afterAll(async () => {
  await db?.drop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

function processEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    BOARDS_ENVIRONMENT: "development",
    BOARDS_API_HOST: "127.0.0.1",
    BOARDS_API_PORT: "0",
    BOARDS_DATABASE_URL: db.url,
    BOARDS_DATABASE_POOL_SIZE: "3",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: "info",
    BOARDS_WORKER_POLL_INTERVAL_MS: "100",
    BOARDS_WORKER_CONCURRENCY: "2",
    BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
    ...overrides,
  };
}

async function started(env: Record<string, string>, entry?: string): Promise<MainProcess> {
  const child = startMainProcess(processEnv(env), entry);
  await child.waitForLog(entry ? (line) => line.msg === "worker started" : isListening);
  return child;
}

async function stop(child: MainProcess | undefined): Promise<void> {
  if (!child) return;
  child.kill();
  await child.exited;
}

const CREATE_BOARD = `mutation CreateBoard($input: CreateBoardInput!) { createBoard(input: $input) { id } }`;
const SUBMIT = `mutation Submit($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`;
const STATUS = `query GenerationStatus($id: UUID!) { generation(id: $id) { status } }`;

function ok<T>(result: GqlResult<T>): T {
  expect(result.errors, JSON.stringify(result.body)).toBeUndefined();
  return result.data!;
}

async function waitForStatus(url: string, token: string, id: string, status: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const data = ok(await postGraphql<{ generation: { status: string } }>(url, STATUS, { id }, { token }));
    if (data.generation.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`generation ${id} never reached ${status}`);
}

const textGeneration = (boardId: string, delayMs = 0) => ({
  boardId,
  generatorName: "text-from-prompt",
  artifactType: "TEXT",
  inputParams: { prompt: "metrics", delay_ms: delayMs, progress_steps: 2 },
});

/** Route labels the API may use: patterns, never a path with ids or keys in it. */
const ROUTES = new Set([
  "/graphql",
  "/health",
  "/ready",
  "/metrics",
  "/api/storage/:key",
  "/api/storage/status",
  "/api/uploads",
  "/api/sse/generations/:id/progress",
  "/api/setup",
  "/api/tenants",
  "other",
]);

describe("an API running its worker in-process, /metrics on the API port behind a token", () => {
  let api: MainProcess;
  let url: string;
  let metricsUrl: string;
  let token: string;
  let boardId: string;

  beforeAll(async () => {
    api = await started({ BOARDS_WORKER_IN_PROCESS: "true", BOARDS_METRICS_TOKEN: METRICS_TOKEN });
    const port = (await api.waitForLog(isListening)).port as number;
    url = `http://127.0.0.1:${port}`;
    metricsUrl = `${url}/metrics`;
    token = await signToken({ sub: `metrics-${randomUUID()}` });
  });
  afterAll(() => stop(api));

  it("answers 401 without the token or with a wrong one, and the Prometheus text format with it", async () => {
    const none = await fetch(metricsUrl);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await none.text())).not.toMatch(/boards_/);
    const wrong = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    // A user's API token is no metrics token.
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const right = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await right.text();
    expect(text).toMatch(/^# HELP boards_http_requests_total /m);
    // Node's process metrics, under their standard names.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it("counts requests, operations, errors, generations, jobs, the event bus and open live streams", async () => {
    ok(await postGraphql(url, `query Viewer { me { id } }`, {}, { token }));
    boardId = ok(await postGraphql<{ createBoard: { id: string } }>(url, CREATE_BOARD, { input: { title: "metrics" } }, { token })).createBoard.id;
    ok(await postGraphql(url, `{ __typename }`, {}, { token }));
    const unknown = await postGraphql(url, `mutation SubmitUnknown($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`, {
      input: { ...textGeneration(boardId), generatorName: "no-such-generator" },
    }, { token });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const invalid = await postGraphql(url, `query Broken { noSuchField }`, {}, { token });
    expect(invalid.errors).toHaveLength(1);
    const invalidCode = String(invalid.errors![0]!.extensions?.code ?? "none");

    // A REST upload (multipart) of a small PNG.
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#36c" } }).png().toBuffer();
    const form = new FormData();
    form.append("board_id", boardId);
    form.append("artifact_type", "image");
    form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "dot.png");
    const upload = await fetch(`${url}/api/uploads/artifact`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status, await upload.clone().text()).toBe(200);

    const done = ok(await postGraphql<{ createGeneration: { id: string } }>(url, SUBMIT, { input: textGeneration(boardId) }, { token })).createGeneration.id;
    await waitForStatus(url, token, done, "COMPLETED");

    // Live streams: a GraphQL subscription over SSE and over WebSocket, and a progress stream
    // of a generation slow enough to stay open while the scrape is taken.
    const target = { url, fetch: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init) };
    const boardEvents = `subscription BoardEvents($id: UUID!) { boardGenerations(boardId: $id) { phase } }`;
    const sse = sseSubscribe(target, { authorization: `Bearer ${token}` }, boardEvents, { id: boardId });
    const ws = wsClient(target, { authorization: `Bearer ${token}` });
    const wsStream = ws.iterate({ query: boardEvents, variables: { id: boardId } });
    // Iterating starts them; their events are not what is checked here.
    void sse.next().catch(() => undefined);
    void wsStream.next().catch(() => undefined);
    const slow = ok(await postGraphql<{ createGeneration: { id: string } }>(url, SUBMIT, { input: textGeneration(boardId, 30_000) }, { token })).createGeneration.id;
    const progress = await openProgressStream(target, slow, { authorization: `Bearer ${token}` });
    expect(progress.status).toBe(200);

    const open = await scrapeUntil(
      metricsUrl,
      (s) => ["websocket", "sse", "progress_stream"].every((transport) => total(s, "boards_subscriptions_active", { transport }) === 1),
      METRICS_TOKEN,
    );
    for (const transport of ["websocket", "sse", "progress_stream"]) expect(total(open, "boards_subscriptions_active", { transport }), transport).toBe(1);

    progress.close();
    void sse.return?.(undefined);
    void wsStream.return?.(undefined);
    await ws.dispose();
    ok(await postGraphql(url, `mutation Cancel($id: UUID!) { cancelGeneration(id: $id) { id } }`, { id: slow }, { token }));

    const s = await scrapeUntil(
      metricsUrl,
      (x) =>
        total(x, "boards_subscriptions_active") === 0 &&
        total(x, "boards_jobs_total", { task: "run_generation", outcome: "cancelled" }) === 1,
      METRICS_TOKEN,
    );
    expect(select(s, "boards_subscriptions_active").map((x) => [x.labels.transport, x.value]).sort()).toEqual([
      ["progress_stream", 0],
      ["sse", 0],
      ["websocket", 0],
    ]);

    // HTTP: route patterns only.
    expect(total(s, "boards_http_requests_total", { method: "POST", route: "/graphql", status: "200" })).toBeGreaterThanOrEqual(8);
    expect(total(s, "boards_http_requests_total", { route: "/api/sse/generations/:id/progress", status: "200" })).toBe(1);
    expect(total(s, "boards_http_requests_total", { method: "GET", route: "/metrics", status: "401" })).toBe(3);
    expect(total(s, "boards_http_request_duration_seconds_count", { method: "POST", route: "/graphql", status: "200" })).toBeGreaterThanOrEqual(8);
    for (const route of labelValues(s, "boards_http_requests_total", "route")) expect(ROUTES, route).toContain(route);

    // GraphQL operations, by name, type and outcome.
    const ops = (labels: Record<string, string>) => total(s, "boards_graphql_operations_total", labels);
    expect(ops({ operation_name: "Viewer", operation_type: "query", outcome: "ok" })).toBe(1);
    expect(ops({ operation_name: "CreateBoard", operation_type: "mutation", outcome: "ok" })).toBe(1);
    expect(ops({ operation_name: "anonymous", operation_type: "query", outcome: "ok" })).toBe(1);
    expect(ops({ operation_name: "SubmitUnknown", operation_type: "mutation", outcome: "error" })).toBe(1);
    expect(ops({ operation_name: "Broken", outcome: "error" })).toBe(1);
    expect(ops({ operation_name: "Submit", operation_type: "mutation", outcome: "ok" })).toBe(2);
    expect(ops({ operation_name: "BoardEvents", operation_type: "subscription", outcome: "ok" })).toBe(2);
    expect(total(s, "boards_graphql_operation_duration_seconds_count", { operation_name: "CreateBoard", operation_type: "mutation" })).toBe(1);
    expect(total(s, "boards_graphql_errors_total", { operation_name: "SubmitUnknown", code: "BAD_USER_INPUT" })).toBe(1);
    expect(total(s, "boards_graphql_errors_total", { operation_name: "Broken", code: invalidCode })).toBe(1);

    // Generations and their jobs (the worker runs in this process: one registry).
    expect(total(s, "boards_generations_submitted_total", { generator: "text-from-prompt" })).toBe(2);
    expect(total(s, "boards_generations_finished_total", { generator: "text-from-prompt", status: "COMPLETED" })).toBe(1);
    expect(total(s, "boards_generations_finished_total", { generator: "text-from-prompt", status: "CANCELLED" })).toBe(1);
    expect(total(s, "boards_jobs_total", { task: "run_generation", outcome: "completed" })).toBe(1);
    expect(total(s, "boards_job_duration_seconds_count", { task: "run_generation", outcome: "completed" })).toBe(1);
    expect(total(s, "boards_event_bus_publish_duration_seconds_count")).toBeGreaterThan(5);
    expect(total(s, "boards_event_bus_publish_failures_total")).toBe(0);
    expect(select(s, "boards_storage_errors_total")).toEqual([]);
    expect(total(s, "boards_upload_bytes_total", { kind: "multipart" })).toBe(png.length);
    expect(total(s, "boards_http_requests_total", { method: "POST", route: "/api/uploads", status: "200" })).toBe(1);
  });

  it("reports the depth and the oldest due job of each task of the queue", async () => {
    const pool = new (await import("pg")).default.Pool({ connectionString: db.url, max: 1 });
    try {
      // A task no worker runs, due a minute ago: it waits, and its age grows.
      await pool.query(`SELECT graphile_worker.add_job('metrics_probe', '{}'::json, run_at => now() - interval '60 seconds')`);
      await pool.query(`SELECT graphile_worker.add_job('metrics_probe', '{}'::json, run_at => now() + interval '1 hour')`);
      const s = await scrapeUntil(metricsUrl, (x) => total(x, "boards_job_queue_depth", { task: "metrics_probe" }) === 1, METRICS_TOKEN);
      expect(total(s, "boards_job_queue_depth", { task: "metrics_probe" })).toBe(1);
      expect(total(s, "boards_job_queue_oldest_age_seconds", { task: "metrics_probe" })).toBeGreaterThanOrEqual(60);
      expect(total(s, "boards_job_queue_depth", { task: "run_generation" })).toBe(0);
      expect(total(s, "boards_job_queue_oldest_age_seconds", { task: "run_generation" })).toBe(0);
    } finally {
      await pool.query(`DELETE FROM graphile_worker._private_jobs j USING graphile_worker._private_tasks t WHERE j.task_id = t.id AND t.identifier = 'metrics_probe'`);
      await pool.end();
    }
  });

  it("keeps at most 200 operation names per process: the rest share operation_name=\"other\"", async () => {
    const before = await scrape(metricsUrl, METRICS_TOKEN);
    const named = [...labelValues(before, "boards_graphql_operations_total", "operation_name")].filter((n) => n !== "anonymous" && n !== "other");
    for (let i = 0; i < 300; i++) {
      const result = await postGraphql(url, `query Flood${i} { __typename }`, {}, { token });
      expect(result.status).toBe(200);
    }
    const s = await scrape(metricsUrl, METRICS_TOKEN);
    const names = labelValues(s, "boards_graphql_operations_total", "operation_name");
    names.delete("anonymous");
    names.delete("other");
    expect(names.size).toBe(200);
    const flood = [...names].filter((n) => n.startsWith("Flood"));
    expect(flood).toHaveLength(200 - named.length);
    expect(total(s, "boards_graphql_operations_total", { operation_name: "other" })).toBe(300 - flood.length);
    expect(labelValues(s, "boards_graphql_operation_duration_seconds_count", "operation_name").size).toBeLessThanOrEqual(202);
  });
});

describe("BOARDS_METRICS_PORT: /metrics on a listener of its own, and a worker process's registry", () => {
  let api: MainProcess;
  let worker: MainProcess;
  let apiUrl: string;
  let apiMetrics: string;
  let workerMetrics: string;
  let workspace: FaultWorkspace;

  beforeAll(async () => {
    // The flaky test generator fails attempts on demand.
    workspace = await faultWorkspace();
    const generators = { BOARDS_GENERATORS_CONFIG_PATH: workspace.configPath };
    [api, worker] = await Promise.all([
      started({ ...generators, BOARDS_WORKER_IN_PROCESS: "false", BOARDS_METRICS_PORT: "0" }),
      started({ ...generators, BOARDS_METRICS_PORT: "0", BOARDS_METRICS_TOKEN: METRICS_TOKEN }, "src/worker.ts"),
    ]);
    apiUrl = `http://127.0.0.1:${(await api.waitForLog(isListening)).port as number}`;
    apiMetrics = `http://127.0.0.1:${(await api.waitForLog(isMetricsListening)).port as number}/metrics`;
    workerMetrics = `http://127.0.0.1:${(await worker.waitForLog(isMetricsListening)).port as number}/metrics`;
  });
  afterAll(async () => {
    await Promise.all([stop(api), stop(worker)]);
    await workspace?.dispose();
  });

  it("serves /metrics on that port only: the API's port answers 404 for it", async () => {
    expect((await fetch(`${apiUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
    const s = await scrape(apiMetrics);
    expect(total(s, "boards_http_requests_total", { method: "GET", route: "/health", status: "200" })).toBe(1);
    // The 404 above was the API's answer, so it is counted there.
    expect(total(s, "boards_http_requests_total", { method: "GET", route: "/metrics", status: "404" })).toBe(1);
    expect((await fetch(apiMetrics.replace(/\/metrics$/, "/health"))).status).toBe(404);
  });

  it("has the worker process serve its own registry (with its token): jobs and finished generations there, submissions at the API", async () => {
    expect((await fetch(workerMetrics)).status).toBe(401);
    const token = await signToken({ sub: `metrics-${randomUUID()}` });
    const boardId = ok(await postGraphql<{ createBoard: { id: string } }>(apiUrl, CREATE_BOARD, { input: { title: "worker metrics" } }, { token })).createBoard.id;
    const submit = async (input: Record<string, unknown>) =>
      ok(await postGraphql<{ createGeneration: { id: string } }>(apiUrl, SUBMIT, { input }, { token })).createGeneration.id;
    const id = await submit(textGeneration(boardId));
    // One transient failure, then success (graphile-worker retries after about 2.7 s); and a permanent failure.
    const flaky = { boardId, generatorName: FLAKY, artifactType: "TEXT" };
    const retried = await submit({ ...flaky, inputParams: { prompt: "once more", fail_attempts: 1 } });
    const failed = await submit({ ...flaky, inputParams: { prompt: "never", fail_attempts: 1, failure: "permanent" } });
    await waitForStatus(apiUrl, token, id, "COMPLETED");
    await waitForStatus(apiUrl, token, failed, "FAILED");
    await waitForStatus(apiUrl, token, retried, "COMPLETED");

    const w: Sample[] = await scrapeUntil(workerMetrics, (x) => total(x, "boards_jobs_total", { task: "run_generation" }) === 4, METRICS_TOKEN);
    const jobs = (outcome: string) => total(w, "boards_jobs_total", { task: "run_generation", outcome });
    expect([jobs("completed"), jobs("retried"), jobs("failed")]).toEqual([2, 1, 1]);
    expect(total(w, "boards_job_duration_seconds_count", { task: "run_generation", outcome: "completed" })).toBe(2);
    expect(total(w, "boards_generations_finished_total", { generator: "text-from-prompt", status: "COMPLETED" })).toBe(1);
    expect(total(w, "boards_generations_finished_total", { generator: FLAKY, status: "COMPLETED" })).toBe(1);
    expect(total(w, "boards_generations_finished_total", { generator: FLAKY, status: "FAILED" })).toBe(1);
    expect(total(w, "boards_generations_submitted_total")).toBe(0);
    expect(select(w, "boards_http_requests_total")).toEqual([]);
    expect(select(w, "process_cpu_user_seconds_total")).toHaveLength(1);

    const a = await scrape(apiMetrics);
    expect(total(a, "boards_generations_submitted_total", { generator: "text-from-prompt" })).toBe(1);
    expect(total(a, "boards_generations_submitted_total", { generator: FLAKY })).toBe(2);
    expect(total(a, "boards_jobs_total")).toBe(0);
    expect(total(a, "boards_job_queue_depth", { task: "run_generation" })).toBe(0);

    // The worker logs one line as each job starts and one as it ends.
    const lines = worker.logs.filter((l) => l.generationId === id && /^job (started|finished)$/.test(l.msg ?? ""));
    expect(lines.map((l) => l.msg)).toEqual(["job started", "job finished"]);
    expect(lines[1]).toMatchObject({ task: "run_generation", attempt: 1, outcome: "completed", level: 30 });
    expect(lines[1]!.durationMs).toEqual(expect.any(Number));
    const attempts = worker.logs.filter((l) => l.generationId === retried && l.msg === "job finished").map((l) => [l.attempt, l.outcome]);
    expect(attempts).toEqual([
      [1, "retried"],
      [2, "completed"],
    ]);
  });
});
