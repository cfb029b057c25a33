/**
 * Provider webhooks over real HTTP against real Postgres: POST /api/webhooks/{provider} is
 * served only with a public URL and for providers with an adapter, reads the exact body bytes
 * under a size limit, answers 401 to unsigned, tampered and replayed deliveries, is a no-op for
 * jobs that are not ours or already finished, and otherwise makes the generation's poll job run
 * now. Cancelling a provider generation queues `cancel_at_provider`, which reaches the adapter.
 *
 * The adapter here is the test's own: it signs with an HMAC header defined below, so this suite
 * does not depend on any real provider's scheme.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { Logger, runOnce } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANCEL_AT_PROVIDER, createCancelAtProviderTask } from "../src/jobs/cancelAtProvider.js";
import { declaredGenerator } from "../src/generators/Generator.js";
import { GeneratorRegistry } from "../src/generators/GeneratorRegistry.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import type { ResolvedEndpoint } from "../src/generators/declarative/buildProviderRequest.js";
import { ProviderError, WebhookRejected, type ProviderAdapter, type WebhookDelivery } from "../src/providers/ProviderAdapter.js";
import { newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { insertGeneration, boardRow } from "./helpers/factories.js";
import { suiteDatabase } from "./helpers/faultHarness.js";
import type { Runtime } from "../src/runtime.js";
import { createBoard } from "./helpers/taggingFixtures.js";
import { startServer, type TestServer } from "./helpers/server.js";

const SECRET = "test-webhook-secret";
const SIGNATURE = "x-test-signature";
const catalogue = loadCatalogue();
const falDecl = catalogue.find((d) => d.provider === "fal")!;
const replicateDecl = catalogue.find((d) => d.provider === "replicate")!;

const quietLogger = new Logger(() => () => undefined);
const sign = (body: string) => createHmac("sha256", SECRET).update(body).digest("hex");

/** A fal adapter that only verifies webhooks (HMAC of the body) and records cancels. */
function testAdapter(cancels: Array<{ endpoint: ResolvedEndpoint; externalId: string }>): ProviderAdapter {
  return {
    name: "fal",
    maxDataUriBytes: 0,
    submit: () => Promise.reject(new Error("not used")),
    status: () => Promise.reject(new Error("not used")),
    cancel(endpoint, externalId) {
      cancels.push({ endpoint, externalId });
      return Promise.resolve();
    },
    verifyWebhook(delivery: WebhookDelivery) {
      // Stands for a provider whose key set cannot be fetched just now.
      if (delivery.headers["x-test-keys-down"]) return Promise.reject(new ProviderError("transient", "key set unreachable"));
      const presented = Buffer.from(delivery.headers[SIGNATURE] ?? "", "hex");
      const expected = Buffer.from(sign(delivery.body.toString("latin1")), "hex");
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        return Promise.reject(new WebhookRejected("invalid signature"));
      }
      const parsed = JSON.parse(delivery.body.toString("utf8")) as { id: string; jobId: string };
      return Promise.resolve({ deliveryId: parsed.id, externalId: parsed.jobId });
    },
  };
}

function withProviders(cancels: Array<{ endpoint: ResolvedEndpoint; externalId: string }>, publicUrl?: string) {
  return (runtime: Runtime): Runtime => {
    const generators = new GeneratorRegistry();
    generators.register(declaredGenerator(falDecl));
    generators.register(declaredGenerator(replicateDecl));
    return { ...runtime, generators, providers: { fal: testAdapter(cancels) }, publicUrl };
  };
}

let database: ThrowawayDatabase;
let api: TestServer;
let unpublished: TestServer;
const cancels: Array<{ endpoint: ResolvedEndpoint; externalId: string }> = [];
let owner: Actor;
let boardId: string;

beforeAll(async () => {
  database = await suiteDatabase("webhooks");
  const env = { BOARDS_DATABASE_URL: database.url };
  api = await startServer(env, { override: withProviders(cancels, "https://boards.example.test") });
  unpublished = await startServer(env, { override: withProviders([]) });
  owner = await (await newTenant(api)).user("owner");
  boardId = await createBoard(owner);
});

afterAll(async () => {
  await unpublished?.close();
  await api?.close();
  await database?.drop();
});

function deliver(server: TestServer, provider: string, body: string, signature: string | null = sign(body)) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers[SIGNATURE] = signature;
  return server.fetch(`/api/webhooks/${provider}`, { method: "POST", headers, body });
}

async function parked(externalJobId: string, status: "PROCESSING" | "COMPLETED" = "PROCESSING") {
  const board = await boardRow(api.prisma, boardId);
  return insertGeneration(api.prisma, board, owner.id, {
    generatorName: falDecl.name,
    status,
    progress: status === "COMPLETED" ? 100 : 10,
    storageUrl: null,
    externalJobId,
  });
}

async function pollJobs(generationId: string) {
  const { rows } = await api.pool.query<{ run_at: Date; now: Date }>(
    `SELECT run_at, now() AS now FROM graphile_worker._private_jobs WHERE key = $1`,
    [`provider-poll:${generationId}`],
  );
  return rows;
}

const delivery = (jobId: string, id = randomUUID()) => JSON.stringify({ id, jobId });

describe("POST /api/webhooks/{provider}", () => {
  it("wakes the poll of a parked generation, and purges deliveries older than a day", async () => {
    await api.pool.query(`INSERT INTO webhook_deliveries (provider, delivery_id, received_at) VALUES ('fal', 'old', now() - interval '25 hours'), ('fal', 'recent', now() - interval '1 hour')`);
    const g = await parked("job-wake");
    const res = await deliver(api, "fal", delivery("job-wake"));
    expect(res.status).toBe(202);
    const jobs = await pollJobs(g.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.run_at.getTime()).toBeLessThanOrEqual(jobs[0]!.now.getTime());
    const { rows } = await api.pool.query<{ delivery_id: string }>(`SELECT delivery_id FROM webhook_deliveries WHERE delivery_id IN ('old', 'recent')`);
    expect(rows.map((r) => r.delivery_id)).toEqual(["recent"]);
  });

  it("is 404 without a public URL, for unknown providers, and for providers without an adapter", async () => {
    const body = delivery("job-x");
    expect((await deliver(unpublished, "fal", body)).status).toBe(404);
    expect((await deliver(api, "nope", body)).status).toBe(404);
    expect((await deliver(api, "replicate", body)).status).toBe(404);
    expect((await deliver(api, "__proto__", body)).status).toBe(404);
  });

  it("answers other methods 405 and bodies over 1 MiB 413", async () => {
    const get = await api.fetch("/api/webhooks/fal");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const big = JSON.stringify({ id: randomUUID(), jobId: "x", pad: "a".repeat(1024 * 1024) });
    expect((await deliver(api, "fal", big)).status).toBe(413);
  });

  it("answers 503 with Retry-After when the provider's keys cannot be fetched, so the provider retries", async () => {
    const g = await parked("job-keys-down");
    const body = delivery("job-keys-down");
    const answer = await api.fetch("/api/webhooks/fal", { method: "POST", headers: { "content-type": "application/json", "x-test-keys-down": "1", [SIGNATURE]: sign(body) }, body });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("30");
    expect(await pollJobs(g.id)).toHaveLength(0);
    // Not recorded as seen: the provider's retry is accepted.
    expect((await deliver(api, "fal", body)).status).toBe(202);
  });

  it("refuses unsigned, tampered and replayed deliveries with 401 and changes nothing", async () => {
    const g = await parked("job-refused");
    const body = delivery("job-refused");
    const unsigned = await deliver(api, "fal", body, null);
    expect(unsigned.status).toBe(401);
    const text = await unsigned.text();
    expect(text).not.toContain(SECRET);
    expect((await deliver(api, "fal", body.replace("job-refused", "job-wake"), sign(body))).status).toBe(401);
    expect(await pollJobs(g.id)).toHaveLength(0);

    expect((await deliver(api, "fal", body)).status).toBe(202);
    await api.pool.query(`DELETE FROM graphile_worker._private_jobs WHERE key = $1`, [`provider-poll:${g.id}`]);
    const replay = await deliver(api, "fal", body);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ detail: "replayed delivery" });
    expect(await pollJobs(g.id)).toHaveLength(0);
  });

  it("is a 200 no-op for a job that is not ours and for a finished generation", async () => {
    expect((await deliver(api, "fal", delivery("job-unknown"))).status).toBe(200);
    const done = await parked("job-done", "COMPLETED");
    expect((await deliver(api, "fal", delivery("job-done"))).status).toBe(200);
    const row = await api.prisma.generation.findUniqueOrThrow({ where: { id: done.id } });
    expect(row).toEqual(done);
    expect(await pollJobs(done.id)).toHaveLength(0);
  });

  it("counts outcomes by provider in boards_webhooks_total", async () => {
    const text = await (await api.fetch("/metrics")).text();
    const value = (outcome: string) => Number(new RegExp(`boards_webhooks_total\\{provider="fal",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(value("woken")).toBeGreaterThanOrEqual(2);
    expect(value("rejected")).toBeGreaterThanOrEqual(2);
    expect(value("replayed")).toBeGreaterThanOrEqual(1);
    expect(value("unknown_job")).toBeGreaterThanOrEqual(1);
    expect(value("finished")).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(SECRET);
  });
});

describe("cancel at the provider", () => {
  it("queues cancel_at_provider on cancel, and the task calls the adapter with the endpoint and job id", async () => {
    const g = await parked("job-cancel");
    const res = await owner.gql<{ cancelGeneration: { status: string } }>(`mutation($id: UUID!) { cancelGeneration(id: $id) { status } }`, { id: g.id });
    expect(res.data?.cancelGeneration.status).toBe("CANCELLED");
    // Only this task runs: the parked generations' poll jobs stay as the other tests left them.
    const taskList = { [CANCEL_AT_PROVIDER]: createCancelAtProviderTask({ providers: api.runtime.providers, logger: api.runtime.logger }) };
    await runOnce({ pgPool: api.pool, taskList, logger: quietLogger });
    expect(cancels).toEqual([{ endpoint: { provider: "fal", ...falDecl.endpoint }, externalId: "job-cancel" }]);
    const { rows } = await api.pool.query(`SELECT j.payload, j.last_error, j.attempts FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'cancel_at_provider'`);
    expect(rows).toHaveLength(0);
  });
});
