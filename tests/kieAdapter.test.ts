/**
 * The Kie adapter against a fake Kie over real HTTP: Market and dedicated tasks from submit to
 * result, every catalogue declaration with the requests Boards recorded, file upload, the error
 * kinds Kie's body codes map to, and callback verification.
 */
import { recordedArtifactUrls } from "./helpers/recordedArtifactUrls.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildProviderRequest, type ProviderRequest, type ResolvedEndpoint } from "../src/generators/declarative/buildProviderRequest.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import { readProviderOutputs } from "../src/generators/declarative/readProviderOutputs.js";
import { validateInputs } from "../src/generators/declarative/validateInputs.js";
import { createKieAdapter } from "../src/providers/kie/kieAdapter.js";
import { ProviderError, WebhookRejected, type ProviderAdapter, type ProviderStatus, type WebhookDelivery } from "../src/providers/ProviderAdapter.js";
import { providerFactories } from "../src/providers/providerFactories.js";
import { startKieFake, type KieFake } from "./fakes/kieFake.js";

type Run = {
  label: string;
  validated: Record<string, unknown>;
  requests?: Array<{ endpoint: string; body: Record<string, unknown> }>;
  stored?: Array<{ storage_url?: string }>;
  error?: string;
  invalid?: string;
};
const fixture = JSON.parse(readFileSync(new URL("./fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as { generators: Record<string, Run[]> };
const declarations = loadCatalogue().filter((d) => d.provider === "kie");
const byName = new Map(declarations.map((d) => [d.name, d]));


const never = new AbortController().signal;
let fake: KieFake;
let kie: ProviderAdapter;

/** Catches what a promise throws. */
async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Polls until the task is no longer queued or running; returns every status seen. */
async function settle(adapter: ProviderAdapter, endpoint: ResolvedEndpoint, id: string): Promise<ProviderStatus[]> {
  const seen: ProviderStatus[] = [];
  for (let i = 0; i < 400; i++) {
    const status = await adapter.status(endpoint, id, never);
    seen.push(status);
    if (status.state !== "queued" && status.state !== "running") return seen;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("task never settled");
}

const market = (decl = "kie-qwen-image-2"): ProviderRequest => {
  const d = byName.get(decl)!;
  return buildProviderRequest(d, validateInputs(d.inputSchema, { prompt: "a lighthouse" }), {});
};
const dedicated = (path: string, statusPath: string, body: Record<string, unknown>): ProviderRequest => ({ endpoint: { provider: "kie", api: "dedicated", path, statusPath }, body });
const veo = () => dedicated("/api/v1/veo/generate", "/api/v1/veo/record-info", { prompt: "waves", aspectRatio: "16:9", model: "veo3" });
const suno = () => dedicated("/api/v1/generate", "/api/v1/generate/record-info", { prompt: "calm", model: "V5_5", callBackUrl: "https://example.com/callback" });
const aleph = () => dedicated("/api/v1/aleph/generate", "/api/v1/aleph/record-info", { prompt: "rain", videoUrl: "https://uploads.test/v" });

beforeAll(async () => {
  fake = await startKieFake();
  kie = createKieAdapter({ apiKey: fake.apiKey, baseUrl: fake.url, webhookSecret: fake.webhookKey });
});
afterAll(() => fake.close());
afterEach(() => {
  Object.assign(fake.options, { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, webhook: "none", progressSteps: 0, lateWebhookMs: 150 });
});

describe("Kie adapter", () => {
  it("is the factory registered for kie", () => {
    expect(providerFactories.kie).toBe(createKieAdapter);
    expect(kie.name).toBe("kie");
  });

  it("runs a Market task: createTask with the key, queued, running with progress, then the record the outputs are read from", async () => {
    // A third of this is queued: long enough for the first poll on a loaded machine (150 ms was not).
    fake.options.delayMs = 600;
    fake.options.progressSteps = 4;
    const request = market();
    const { externalId } = await kie.submit(request, { signal: never, idempotencyKey: "gen-1" });
    const submitted = fake.requests.at(-1)!;
    expect(submitted).toMatchObject({ method: "POST", path: "/api/v1/jobs/createTask", body: { model: "qwen2/text-to-image", input: { prompt: "a lighthouse" } } });
    expect(submitted.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(submitted.body).not.toHaveProperty("callBackUrl");

    const seen = await settle(kie, request.endpoint, externalId);
    expect(fake.requests.at(-1)).toMatchObject({ path: "/api/v1/jobs/recordInfo", query: { taskId: externalId } });
    expect(seen[0]!.state).toBe("queued");
    const progress = seen.flatMap((s) => (s.state === "running" && s.progress !== undefined ? [s.progress] : []));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
    const last = seen.at(-1)!;
    if (last.state !== "succeeded") throw new Error(`not succeeded: ${JSON.stringify(last)}`);
    const outputs = readProviderOutputs(byName.get("kie-qwen-image-2")!, last.result, { image_size: "1:1", output_format: "png" });
    expect(outputs.map((o) => o.url)).toEqual([`${fake.url}/files/kie-0.mp4`, `${fake.url}/files/kie-1.mp4`]);
    const file = await fetch(outputs[0]!.url!);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it.each([
    ["Veo", veo, ["running"]],
    ["Suno", suno, ["queued", "running"]],
    ["Runway Aleph", aleph, ["running"]],
  ] as const)("reads %s's own status shape while it runs", async (_name, make, states) => {
    fake.options.delayMs = 150;
    const request = make();
    const { externalId } = await kie.submit(request, { signal: never, idempotencyKey: "gen" });
    expect(fake.requests.at(-1)!.path).toBe((request.endpoint as { path: string }).path);
    const seen = await settle(kie, request.endpoint, externalId);
    expect(fake.requests.at(-1)!.path).toBe((request.endpoint as { statusPath: string }).statusPath);
    for (const state of states) expect(seen.some((s) => s.state === state)).toBe(true);
    expect(seen.at(-1)!.state).toBe("succeeded");
  });

  it("cancel is a no-op: Kie has no way to stop a task", async () => {
    const request = market();
    const { externalId } = await kie.submit(request, { signal: never, idempotencyKey: "gen" });
    const before = fake.requests.length;
    await expect(kie.cancel(request.endpoint, externalId, never)).resolves.toBeUndefined();
    expect(fake.requests.length).toBe(before);
  });

  it("uploads a file through the file stream upload and returns a URL that serves it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kie-upload-"));
    const path = join(dir, "still.png");
    writeFileSync(path, Buffer.alloc(4096, 7));
    const url = await kie.uploadFile!({ path, contentType: "image/png", filename: "still.png", size: 4096 }, never);
    expect(url.startsWith(`${fake.url}/files/uploads/`)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({
      path: "/api/file-stream-upload",
      body: { fields: { uploadPath: "boards/temp" }, files: [{ field: "file", filename: "still.png", contentType: "image/png", size: 4096 }] },
    });
    expect((await fetch(url)).status).toBe(200);
    expect(kie.maxDataUriBytes).toBe(0);
  });
});

describe("every Kie declaration, with the requests Boards sent", () => {
  const cases = Object.entries(fixture.generators)
    .filter(([name]) => byName.has(name))
    .flatMap(([name, runs]) => runs.filter((r) => !r.invalid && !r.error).map((run) => [name, run.label, run] as const));

  it("covers every catalogue declaration of Kie", () => {
    expect(new Set(cases.map(([name]) => name))).toEqual(new Set(declarations.map((d) => d.name)));
  });

  it.each(cases)("%s (%s)", async (name, _label, run) => {
    const decl = byName.get(name)!;
    const request = buildProviderRequest(decl, run.validated, recordedArtifactUrls(decl, run.validated));
    const { externalId } = await kie.submit(request, { signal: never, idempotencyKey: `gen-${name}` });
    const expected = run.requests![0]!;
    const sent = fake.requests.at(-1)!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(new URL(expected.endpoint).pathname);
    expect(sent.body).toEqual(expected.body);

    fake.complete(externalId);
    const status = await kie.status(request.endpoint, externalId, never);
    if (status.state !== "succeeded") throw new Error(`not succeeded: ${JSON.stringify(status)}`);
    const outputs = readProviderOutputs(decl, status.result, run.validated);
    expect(outputs).toHaveLength(run.stored?.length ?? 0);
    expect(outputs.map((o) => o.url)).toEqual((run.stored ?? []).map((s) => s.storage_url!.replace("https://cdn.test/", `${fake.url}/files/`)));
  });
});

describe("Kie failures, by kind", () => {
  it("a refused key is an auth error naming the variable, never the key", async () => {
    const wrong = createKieAdapter({ apiKey: "kie-wrong-secret-key", baseUrl: fake.url });
    const error = await caught(wrong.submit(market(), { signal: never, idempotencyKey: "g" }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "auth", message: "Kie refused the API key (KIE_API_KEY)" });
    expect(JSON.stringify(error) + String(error)).not.toContain("kie-wrong-secret-key");
  });

  it("a 422 in the body is a validation error with Kie's message", async () => {
    fake.options.outcome = "validation";
    const error = await caught(kie.submit(market(), { signal: never, idempotencyKey: "g" }));
    expect(error).toMatchObject({ kind: "validation", httpStatus: 200 });
    expect((error as Error).message).toContain("Invalid parameter: prompt is not allowed here");
  });

  it("a 402 in the body is insufficient credits", async () => {
    fake.options.outcome = "insufficient_credits";
    const error = await caught(kie.submit(veo(), { signal: never, idempotencyKey: "g" }));
    expect(error).toMatchObject({ kind: "insufficient_credits" });
    expect((error as Error).message).toContain("insufficient credits");
  });

  it.each([["Market", market], ["Veo", veo], ["Suno", suno], ["Runway Aleph", aleph]] as const)("a %s task refused for safety fails with content_policy", async (_name, make) => {
    fake.options.outcome = "policy";
    const request = make();
    const { externalId } = await kie.submit(request, { signal: never, idempotencyKey: "g" });
    const last = (await settle(kie, request.endpoint, externalId)).at(-1)!;
    if (last.state !== "failed") throw new Error(`not failed: ${JSON.stringify(last)}`);
    expect(last.error.kind).toBe("content_policy");
    expect(last.error.message).toContain("content policy");
  });

  it("a task that fails otherwise is failed with Kie's message", async () => {
    const request = market();
    const { externalId } = await kie.submit(request, { signal: never, idempotencyKey: "g" });
    fake.fail(externalId, "Upstream model crashed");
    const status = await kie.status(request.endpoint, externalId, never);
    if (status.state !== "failed") throw new Error(`not failed: ${JSON.stringify(status)}`);
    expect(status.error).toMatchObject({ kind: "validation" });
    expect(status.error.message).toContain("Upstream model crashed");
  });

  it("429 is transient with Retry-After, and the retry succeeds", async () => {
    fake.options.rateLimitFirst = 1;
    const error = await caught(kie.submit(market(), { signal: never, idempotencyKey: "g" }));
    expect(error).toMatchObject({ kind: "transient", httpStatus: 429, retryAfterMs: 0 });
    await expect(kie.submit(market(), { signal: never, idempotencyKey: "g" })).resolves.toHaveProperty("externalId");
  });

  it("503, timeouts and unreachable hosts are transient", async () => {
    fake.options.serverErrorFirst = 1;
    expect(await caught(kie.status(market().endpoint, "x", never))).toMatchObject({ kind: "transient", httpStatus: 503 });

    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const slow = createKieAdapter({ apiKey: "k", baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, requestTimeoutMs: 100 });
    expect(await caught(slow.submit(market(), { signal: never, idempotencyKey: "g" }))).toMatchObject({ kind: "transient", message: "Kie did not answer within 100 ms" });
    silent.closeAllConnections();
    silent.close();

    const gone = createKieAdapter({ apiKey: "k", baseUrl: "http://127.0.0.1:1" });
    expect(await caught(gone.submit(market(), { signal: never, idempotencyKey: "g" }))).toMatchObject({ kind: "transient" });
  });

  it("the caller's abort is passed on, not turned into a provider error", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const error = await caught(kie.submit(market(), { signal: controller.signal, idempotencyKey: "g" }));
    expect(error).not.toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe("shutting down");
  });

  it("an unknown task is not_found, also on the wrong API's status path", async () => {
    expect(await caught(kie.status(market().endpoint, "no-such-task", never))).toMatchObject({ kind: "not_found" });
    const { externalId } = await kie.submit(veo(), { signal: never, idempotencyKey: "g" });
    expect(await caught(kie.status(aleph().endpoint, externalId, never))).toMatchObject({ kind: "not_found" });
  });

  it("a message that echoes the key is redacted", async () => {
    const echo: typeof fetch = async () => new Response(JSON.stringify({ code: 422, msg: "bad request from key kie-echoed-key" }), { status: 200 });
    const adapter = createKieAdapter({ apiKey: "kie-echoed-key", fetch: echo });
    const error = await caught(adapter.submit(market(), { signal: never, idempotencyKey: "g" }));
    expect(error).toMatchObject({ kind: "validation" });
    expect((error as Error).message).not.toContain("kie-echoed-key");
  });
});

describe("Kie callbacks", () => {
  let receiver: Server;
  let webhookUrl: string;
  const received: WebhookDelivery[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]));
        received.push({ headers, body: Buffer.concat(chunks) });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/kie`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  async function deliveriesFor(count: number): Promise<WebhookDelivery[]> {
    for (let i = 0; i < 200 && received.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received.length).toBeGreaterThanOrEqual(count);
    return received.splice(0, received.length);
  }

  it.each([["Market", market], ["Veo", veo], ["Suno", suno], ["Runway Aleph", aleph]] as const)("a %s callback verifies and names its task", async (_name, make) => {
    fake.options.webhook = "once";
    const { externalId } = await kie.submit(make(), { signal: never, webhookUrl, idempotencyKey: "g" });
    // The callback URL replaces any placeholder the declaration carries (Suno's).
    expect((fake.requests.at(-1)!.body as Record<string, unknown>).callBackUrl).toBe(webhookUrl);
    const [delivery] = await deliveriesFor(1);
    const event = await kie.verifyWebhook!(delivery!, new Date());
    expect(event.externalId).toBe(externalId);
    // The signature does not cover the body: the status comes from Kie's record, not from here.
    expect(event.status).toBeUndefined();
  });

  it("refuses unsigned, tampered, wrongly keyed, stale and unkeyed callbacks", async () => {
    fake.options.webhook = "once";
    const { externalId } = await kie.submit(market(), { signal: never, webhookUrl, idempotencyKey: "g" });
    const [delivery] = await deliveriesFor(1);
    const now = new Date();
    await expect(kie.verifyWebhook!(delivery!, now)).resolves.toMatchObject({ externalId });

    const unsigned = { ...delivery!, headers: { ...delivery!.headers, "x-webhook-signature": undefined } };
    const untimed = { ...delivery!, headers: { ...delivery!.headers, "x-webhook-timestamp": undefined } };
    const tampered = { ...delivery!, body: Buffer.from(delivery!.body.toString().replaceAll(externalId, "f".repeat(32))) };
    const retimed = { ...delivery!, headers: { ...delivery!.headers, "x-webhook-timestamp": String(Number(delivery!.headers["x-webhook-timestamp"]) + 1) } };
    const garbled = { ...delivery!, body: Buffer.from("{not json") };
    for (const bad of [unsigned, untimed, tampered, retimed, garbled]) await expect(kie.verifyWebhook!(bad, now)).rejects.toBeInstanceOf(WebhookRejected);

    const otherKey = createKieAdapter({ apiKey: fake.apiKey, baseUrl: fake.url, webhookSecret: "some-other-key" });
    await expect(otherKey.verifyWebhook!(delivery!, now)).rejects.toBeInstanceOf(WebhookRejected);
    const noKey = createKieAdapter({ apiKey: fake.apiKey, baseUrl: fake.url });
    await expect(noKey.verifyWebhook!(delivery!, now)).rejects.toBeInstanceOf(WebhookRejected);

    const sent = Number(delivery!.headers["x-webhook-timestamp"]) * 1000;
    await expect(kie.verifyWebhook!(delivery!, new Date(sent + 6 * 60_000))).rejects.toThrow(/too old/);
    await expect(kie.verifyWebhook!(delivery!, new Date(sent - 6 * 60_000))).rejects.toBeInstanceOf(WebhookRejected);
    await expect(kie.verifyWebhook!(delivery!, new Date(sent + 4 * 60_000))).resolves.toMatchObject({ externalId });
  });

  it("a replayed callback has the same delivery id; a resent one (duplicate or late) a new one", async () => {
    fake.options.webhook = "duplicate";
    const first = await kie.submit(market(), { signal: never, webhookUrl, idempotencyKey: "g" });
    const twice = await deliveriesFor(2);
    const events = await Promise.all(twice.map((d) => kie.verifyWebhook!(d, new Date())));
    expect(events.map((e) => e.externalId)).toEqual([first.externalId, first.externalId]);
    expect(events[0]!.deliveryId).not.toBe(events[1]!.deliveryId);
    expect((await kie.verifyWebhook!(twice[0]!, new Date())).deliveryId).toBe(events[0]!.deliveryId);

    fake.options.webhook = "late";
    fake.options.lateWebhookMs = 1100;
    const second = await kie.submit(veo(), { signal: never, webhookUrl, idempotencyKey: "g" });
    const late = [...(await deliveriesFor(1)), ...(await deliveriesFor(1))];
    const lateEvents = await Promise.all(late.map((d) => kie.verifyWebhook!(d, new Date())));
    expect(lateEvents.map((e) => e.externalId)).toEqual([second.externalId, second.externalId]);
    expect(lateEvents[0]!.deliveryId).not.toBe(lateEvents[1]!.deliveryId);
  });
});
