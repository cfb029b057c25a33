/**
 * The Replicate adapter against a fake Replicate over real HTTP: predictions, polling with
 * progress, cancel, file upload, error kinds, signed webhooks, and every recorded Boards run.
 */
import { recordedArtifactUrls } from "./helpers/recordedArtifactUrls.js";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildProviderRequest } from "../src/generators/declarative/buildProviderRequest.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import { readProviderOutputs } from "../src/generators/declarative/readProviderOutputs.js";
import { ProviderError, WebhookRejected, type ProviderAdapter, type ProviderStatus, type WebhookDelivery } from "../src/providers/ProviderAdapter.js";
import { createReplicateAdapter } from "../src/providers/replicate/replicateAdapter.js";
import { startReplicateFake } from "./fakes/replicateFake.js";
import fixture from "./fixtures/boards-generator-runs.json" with { type: "json" };

type Run = { label: string; validated: Record<string, unknown>; requests: Array<{ endpoint: string; body: Record<string, unknown> }>; stored?: unknown[]; invalid?: string; error?: string };

let fake: Awaited<ReturnType<typeof startReplicateFake>>;
let adapter: ProviderAdapter;
const signal = () => AbortSignal.timeout(5000);

async function waitFor(id: string, endpoint = { provider: "replicate" as const, model: "a/b" }): Promise<ProviderStatus> {
  for (;;) {
    const status = await adapter.status(endpoint, id, signal());
    if (status.state !== "queued" && status.state !== "running") return status;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function caught(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

const request = { endpoint: { provider: "replicate" as const, model: "black-forest-labs/flux-1.1-pro" }, body: { prompt: "a fox" } };

beforeAll(async () => {
  fake = await startReplicateFake();
  adapter = createReplicateAdapter({ apiKey: "r8_test", baseUrl: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => {
  Object.assign(fake.options, { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, webhook: "none", progressSteps: 0 });
  fake.requests.length = 0;
});

describe("replicate adapter", () => {
  it("submits by model, reports progress from the logs, and returns the prediction on success", async () => {
    Object.assign(fake.options, { delayMs: 400, progressSteps: 4 });
    const { externalId } = await adapter.submit(request, { signal: signal(), idempotencyKey: "gen-1", webhookUrl: "http://127.0.0.1:1/hook" });
    expect(fake.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/models/black-forest-labs/flux-1.1-pro/predictions",
      headers: { authorization: "Bearer r8_test" },
      body: { input: { prompt: "a fox" }, webhook: "http://127.0.0.1:1/hook", webhook_events_filter: ["completed"] },
    });
    expect((await adapter.status(request.endpoint, externalId, signal())).state).toBe("queued");
    await new Promise((r) => setTimeout(r, 250));
    const running = await adapter.status(request.endpoint, externalId, signal());
    expect(running.state).toBe("running");
    expect(running.state === "running" && running.progress).toBeGreaterThan(0);
    const done = await waitFor(externalId);
    expect(done.state).toBe("succeeded");
    const decl = loadCatalogue().find((d) => d.name === "replicate-flux-pro")!;
    const outputs = readProviderOutputs(decl, done.state === "succeeded" ? done.result : undefined);
    expect(outputs).toHaveLength(1);
    expect((await fetch(outputs[0]!.url!)).headers.get("content-type")).toBe("image/png");
  });

  it("submits a pinned version to /v1/predictions", async () => {
    await adapter.submit({ endpoint: { provider: "replicate", model: "a/b", version: "abc123" }, body: { x: 1 } }, { signal: signal(), idempotencyKey: "g" });
    expect(fake.requests[0]).toMatchObject({ path: "/v1/predictions", body: { version: "abc123", input: { x: 1 } } });
  });

  it("cancels a running prediction, and a finished one without error", async () => {
    fake.options.delayMs = 5000;
    const { externalId } = await adapter.submit(request, { signal: signal(), idempotencyKey: "g" });
    await adapter.cancel(request.endpoint, externalId, signal());
    expect(await adapter.status(request.endpoint, externalId, signal())).toEqual({ state: "cancelled" });
    await adapter.cancel(request.endpoint, externalId, signal());
  });

  it("uploads a file to Replicate's file store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "replicate-"));
    const path = join(dir, "in.png");
    writeFileSync(path, Buffer.alloc(1234, 1));
    const url = await adapter.uploadFile!({ path, contentType: "image/png", filename: "in.png", size: 1234 }, signal());
    expect(url.startsWith(`${fake.url}/files/`)).toBe(true);
    expect(fake.requests[0]).toMatchObject({ path: "/v1/files", body: { content: { filename: "in.png", size: 1234 } } });
  });

  it("maps refusals and failed predictions to error kinds", async () => {
    fake.options.outcome = "validation";
    const v = await caught(adapter.submit(request, { signal: signal(), idempotencyKey: "g" }));
    expect([v.kind, v.message]).toEqual(["validation", "- input.prompt: Invalid type"]);
    fake.options.outcome = "insufficient_credits";
    const c = await caught(adapter.submit(request, { signal: signal(), idempotencyKey: "g" }));
    expect(c.kind).toBe("insufficient_credits");
    expect(c.message).toContain("insufficient credits");
    fake.options.outcome = "policy";
    const { externalId } = await adapter.submit(request, { signal: signal(), idempotencyKey: "g" });
    const failed = await waitFor(externalId);
    expect(failed.state === "failed" && [failed.error.kind, failed.error.message.includes("content policy")]).toEqual(["content_policy", true]);
    const bad = createReplicateAdapter({ apiKey: "r8_wrong", baseUrl: fake.url });
    const a = await caught(bad.submit(request, { signal: signal(), idempotencyKey: "g" }));
    expect([a.kind, a.message]).toEqual(["auth", "replicate refused the API key (REPLICATE_API_TOKEN)"]);
    expect(a.message).not.toContain("r8_wrong");
    expect((await caught(adapter.status(request.endpoint, "missing", signal()))).kind).toBe("not_found");
  });

  it("reports 429 and 503 as transient with Retry-After, then succeeds", async () => {
    Object.assign(fake.options, { rateLimitFirst: 1, serverErrorFirst: 1 });
    const r = await caught(adapter.submit(request, { signal: signal(), idempotencyKey: "g" }));
    expect([r.kind, r.httpStatus, r.retryAfterMs]).toEqual(["transient", 429, 0]);
    expect((await caught(adapter.submit(request, { signal: signal(), idempotencyKey: "g" }))).kind).toBe("transient");
    expect((await adapter.submit(request, { signal: signal(), idempotencyKey: "g" })).externalId).toBeTruthy();
  });
});

describe("replicate webhooks", () => {
  const received: WebhookDelivery[] = [];
  let hook: ReturnType<typeof createServer>;
  let hookUrl = "";
  beforeAll(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => hook.close(() => r())));

  async function delivered(count: number): Promise<WebhookDelivery[]> {
    while (received.length < count) await new Promise((r) => setTimeout(r, 10));
    return received.splice(0, count);
  }

  it("verifies a delivery with the secret fetched from Replicate, and reads its status", async () => {
    fake.options.webhook = "duplicate";
    const { externalId } = await adapter.submit(request, { signal: signal(), idempotencyKey: "g", webhookUrl: hookUrl });
    const [first, second] = await delivered(2);
    const event = await adapter.verifyWebhook!(first!, new Date());
    expect(event.externalId).toBe(externalId);
    expect(event.status?.state).toBe("succeeded");
    const again = await adapter.verifyWebhook!(second!, new Date());
    expect(again.deliveryId).not.toBe(event.deliveryId);
    expect(fake.requests.filter((r) => r.path === "/v1/webhooks/default/secret")).toHaveLength(1);
  });

  it("rejects unsigned, tampered, wrongly keyed and stale deliveries", async () => {
    fake.options.webhook = "once";
    await adapter.submit(request, { signal: signal(), idempotencyKey: "g", webhookUrl: hookUrl });
    const [good] = await delivered(1);
    const reject = (d: WebhookDelivery, now = new Date()) => expect(adapter.verifyWebhook!(d, now)).rejects.toBeInstanceOf(WebhookRejected);
    await reject({ headers: {}, body: good!.body });
    await reject({ headers: good!.headers, body: Buffer.from(good!.body.toString().replace("succeeded", "failed")) });
    const other = createReplicateAdapter({ apiKey: "r8_test", baseUrl: fake.url, webhookSecret: `whsec_${Buffer.from("another key").toString("base64")}` });
    await expect(other.verifyWebhook!(good!, new Date())).rejects.toBeInstanceOf(WebhookRejected);
    await reject(good!, new Date(Date.now() + 6 * 60 * 1000));
    // Re-signed with a stale timestamp by the right key: still refused.
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    const id = good!.headers["webhook-id"]!;
    const sig = createHmac("sha256", Buffer.from(fake.secret.slice(6), "base64")).update(`${id}.${stale}.${good!.body.toString()}`).digest("base64");
    await reject({ headers: { ...good!.headers, "webhook-timestamp": stale, "webhook-signature": `v1,${sig}` }, body: good!.body });
  });
});

describe("every recorded Boards run of a Replicate generator, over the wire", () => {
  const runs = fixture.generators as unknown as Record<string, Run[]>;
  for (const decl of loadCatalogue().filter((d) => d.provider === "replicate")) {
    for (const run of (runs[decl.name] ?? []).filter((r) => !r.invalid && r.requests.length)) {
      it(`${decl.name} (${run.label})`, async () => {
        const built = buildProviderRequest(decl, run.validated, recordedArtifactUrls(decl, run.validated));
        const { externalId } = await adapter.submit(built, { signal: signal(), idempotencyKey: "g" });
        const sent = fake.requests.find((r) => r.method === "POST")!;
        expect(sent.path).toBe(`/v1/models/${run.requests[0]!.endpoint}/predictions`);
        expect((sent.body as { input: unknown }).input).toEqual(run.requests[0]!.body);
        const done = await waitFor(externalId, built.endpoint as never);
        const outputs = readProviderOutputs(decl, done.state === "succeeded" ? done.result : undefined, run.validated);
        expect(outputs).toHaveLength(run.stored?.length ?? 0);
      });
    }
  }
});
