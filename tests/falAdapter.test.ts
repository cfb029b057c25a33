/**
 * The fal adapter against the fake fal (real HTTP on 127.0.0.1): queue submit, status with
 * queue position, logs and progress, results the declarations read, cancel, storage uploads,
 * every error kind, ED25519 webhooks, and every fal generator of the catalogue sending exactly
 * the request Boards sent.
 */
import { recordedArtifactUrls } from "./helpers/recordedArtifactUrls.js";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildProviderRequest, type ResolvedEndpoint } from "../src/generators/declarative/buildProviderRequest.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import { readProviderOutputs } from "../src/generators/declarative/readProviderOutputs.js";
import { createFalAdapter } from "../src/providers/fal/falAdapter.js";
import { ProviderError, WebhookRejected, type ProviderAdapter, type ProviderStatus, type WebhookDelivery, type WebhookEvent } from "../src/providers/ProviderAdapter.js";
import { providerFactories } from "../src/providers/providerFactories.js";
import { startFalFake, type FalFake } from "./fakes/falFake.js";
import { rehostUrls } from "./fakes/fakeMedia.js";

type Run = {
  label: string;
  validated: Record<string, unknown>;
  requests: Array<{ endpoint: string; body: Record<string, unknown> }>;
  stored?: Array<{ storage_url?: string }>;
  error?: string;
  invalid?: string;
  resultSet: string;
};
const fixture = JSON.parse(readFileSync(new URL("./fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as {
  providerResults: Record<string, Record<string, unknown>>;
  generators: Record<string, Run[]>;
};
const falDeclarations = loadCatalogue().filter((d) => d.provider === "fal");
const flux = falDeclarations.find((d) => d.name === "fal-flux-2")!;

const KEY = "fal-test-key-0123456789";
const signal = () => AbortSignal.timeout(10_000);
const opts = () => ({ signal: AbortSignal.timeout(10_000), idempotencyKey: "gen-1" });

let fake: FalFake;
let fal: ProviderAdapter;

beforeAll(async () => {
  fake = await startFalFake({ apiKey: KEY });
  fal = createFalAdapter({ apiKey: KEY, baseUrl: fake.url, requestTimeoutMs: 5_000 });
});
afterAll(() => fake.close());
beforeEach(() => {
  Object.assign(fake.options, { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, webhook: "none", progressSteps: 0, result: undefined, apps: undefined });
});

async function statusUntil(endpoint: ResolvedEndpoint, id: string, done: (s: ProviderStatus) => boolean): Promise<ProviderStatus> {
  for (let i = 0; i < 200; i++) {
    const status = await fal.status(endpoint, id, signal());
    if (done(status)) return status;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("status never reached the expected state");
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as Error).message).not.toContain(KEY);
  return error as ProviderError;
}

const request = (body: Record<string, unknown> = { prompt: "a cat" }) => ({ endpoint: { provider: "fal" as const, app: "fal-ai/flux-pro/v1.1-ultra" }, body });

describe("fal adapter: queue", () => {
  it("is the factory registered for fal", () => {
    expect(providerFactories.fal).toBe(createFalAdapter);
  });

  it("submits to the queue, reports queued then running with logs and progress, then the result", async () => {
    Object.assign(fake.options, { delayMs: 600, progressSteps: 4 });
    const req = request();
    const { externalId } = await fal.submit(req, { ...opts(), webhookUrl: "https://boards.example/api/webhooks/fal" });
    const sent = fake.requests.at(-1)!;
    expect(sent).toMatchObject({ method: "POST", path: "/fal-ai/flux-pro/v1.1-ultra", query: { fal_webhook: "https://boards.example/api/webhooks/fal" }, body: { prompt: "a cat" } });
    expect(sent.headers.authorization).toBe(`Key ${KEY}`);

    expect(await fal.status(req.endpoint, externalId, signal())).toEqual({ state: "queued", queuePosition: 0 });
    // Status and results use owner/app only, without the endpoint path.
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: `/fal-ai/flux-pro/requests/${externalId}/status`, query: { logs: "1" } });

    const running = await statusUntil(req.endpoint, externalId, (s) => s.state === "running" && (s.progress ?? 0) > 0);
    expect(running).toMatchObject({ state: "running", logs: expect.arrayContaining(["Loading model"]) });
    expect((running as { progress: number }).progress).toBeGreaterThan(0);
    expect((running as { progress: number }).progress).toBeLessThanOrEqual(100);

    const done = await statusUntil(req.endpoint, externalId, (s) => s.state === "succeeded");
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: `/fal-ai/flux-pro/requests/${externalId}` });
    const outputs = readProviderOutputs(flux, (done as { result: unknown }).result, {});
    expect(outputs.map((o) => o.url)).toEqual([`${fake.url}/files/images-0.png`, `${fake.url}/files/images-1.png`]);
    const file = await fetch(outputs[0]!.url!);
    expect(file.headers.get("content-type")).toBe("image/png");
  });

  it("cancels a queued job, and cancelling a finished one is no error", async () => {
    fake.options.delayMs = 10_000;
    const req = request();
    const { externalId } = await fal.submit(req, opts());
    await fal.cancel(req.endpoint, externalId, signal());
    expect(fake.requests.at(-1)).toMatchObject({ method: "PUT", path: `/fal-ai/flux-pro/requests/${externalId}/cancel` });
    expect(await fal.status(req.endpoint, externalId, signal())).toEqual({ state: "cancelled" });

    fake.options.delayMs = 0;
    const finished = await fal.submit(req, opts());
    await expect(fal.cancel(req.endpoint, finished.externalId, signal())).resolves.toBeUndefined();
  });

  it("uploads a file to fal storage and returns its file_url; the key is not sent to the upload URL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fal-upload-"));
    try {
      const path = join(dir, "input.png");
      writeFileSync(path, Buffer.alloc(4321, 7));
      const url = await fal.uploadFile!({ path, contentType: "image/png", filename: "input.png", size: 4321 }, signal());
      expect(url).toMatch(new RegExp(`^${fake.url}/files/upload-\\d+-input\\.png$`));
      const [initiate, put] = fake.requests.slice(-2);
      expect(initiate).toMatchObject({ method: "POST", path: "/storage/upload/initiate", body: { content_type: "image/png", file_name: "input.png" } });
      expect(initiate!.headers.authorization).toBe(`Key ${KEY}`);
      expect(put).toMatchObject({ method: "PUT", body: { size: 4321 } });
      expect(put!.headers["content-type"]).toBe("image/png");
      expect(put!.headers.authorization).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uploads a file over 90 MB in 10 MB parts, as fal's client does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fal-upload-"));
    try {
      const path = join(dir, "clip.mp4");
      const size = 95 * 1024 * 1024 + 17;
      writeFileSync(path, "");
      truncateSync(path, size);
      const before = fake.requests.length;
      const url = await fal.uploadFile!({ path, contentType: "video/mp4", filename: "clip.mp4", size }, signal());
      expect(url).toMatch(new RegExp(`^${fake.url}/files/upload-\\d+-clip\\.mp4$`));
      const sent = fake.requests.slice(before);
      expect(sent[0]).toMatchObject({ method: "POST", path: "/storage/upload/initiate-multipart", body: { content_type: "video/mp4", file_name: "clip.mp4" } });
      const parts = sent.filter((r) => r.method === "PUT");
      expect(parts.map((r) => r.path.split("/").at(-1))).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
      expect(parts.reduce((sum, r) => sum + (r.body as { size: number }).size, 0)).toBe(size);
      expect(parts.every((r) => r.query.signature === "fake" && r.headers.authorization === undefined)).toBe(true);
      expect(sent.at(-1)).toMatchObject({ method: "POST", path: expect.stringMatching(/\/complete$/), body: { parts: expect.arrayContaining([{ partNumber: 10, etag: '"etag-10"' }]) } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has a conservative inline limit", () => {
    expect(fal.maxDataUriBytes).toBeGreaterThan(0);
    expect(fal.maxDataUriBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});

describe("fal adapter: errors", () => {
  it.each([
    ["validation", "validation", /prompt: field required/],
    ["policy", "content_policy", /content policy/],
    ["error", "transient", /500/],
  ] as const)("a job ending %s is a failed status of kind %s", async (outcome, kind, message) => {
    fake.options.outcome = outcome;
    const req = request();
    const { externalId } = await fal.submit(req, opts());
    fake.complete(externalId);
    const status = await fal.status(req.endpoint, externalId, signal());
    expect(status.state).toBe("failed");
    const error = (status as { error: ProviderError }).error;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
  });

  it("a locked account (exhausted balance) is insufficient_credits", async () => {
    fake.options.outcome = "insufficient_credits";
    const error = await rejection(fal.submit(request(), opts()));
    expect(error.kind).toBe("insufficient_credits");
    expect(error.message).toContain("insufficient credits");
  });

  it("a refused key is auth, naming FAL_KEY and never the key", async () => {
    const wrong = createFalAdapter({ apiKey: "wrong-key-secret", baseUrl: fake.url });
    const error = await rejection(wrong.submit(request(), opts()));
    expect(error.kind).toBe("auth");
    expect(error.message).toBe("fal refused the API key (FAL_KEY)");
    expect(error.message).not.toContain("wrong-key-secret");
  });

  it("an app fal does not have is a validation error at submit", async () => {
    fake.options.apps = ["fal-ai/flux-2"];
    try {
      const error = await rejection(fal.submit({ endpoint: { provider: "fal", app: "fal-ai/no-such-app" }, body: {} }, opts()));
      expect(error).toMatchObject({ kind: "validation", httpStatus: 404 });
    } finally {
      fake.options.apps = undefined;
    }
  });

  it("an unknown request is not_found", async () => {
    const error = await rejection(fal.status(request().endpoint, "no-such-request", signal()));
    expect(error.kind).toBe("not_found");
  });

  it("429 is transient with Retry-After, and the next attempt succeeds", async () => {
    fake.options.rateLimitFirst = 1;
    const error = await rejection(fal.submit(request(), opts()));
    expect(error).toMatchObject({ kind: "transient", httpStatus: 429, retryAfterMs: 0 });
    await expect(fal.submit(request(), opts())).resolves.toMatchObject({ externalId: expect.any(String) });
  });

  it("5xx, an unreachable origin and a timeout are transient", async () => {
    fake.options.serverErrorFirst = 1;
    expect((await rejection(fal.submit(request(), opts()))).kind).toBe("transient");

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const unreachable = createFalAdapter({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}` });
    expect((await rejection(unreachable.submit(request(), opts()))).kind).toBe("transient");

    const hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    try {
      const slow = createFalAdapter({ apiKey: KEY, baseUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, requestTimeoutMs: 100 });
      const error = await rejection(slow.submit(request(), opts()));
      expect(error.kind).toBe("transient");
      expect(error.message).toMatch(/within 100 ms/);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });
});

describe("fal adapter: webhooks", () => {
  let receiver: Server;
  let receiverUrl = "";
  const received: Array<{ delivery: WebhookDelivery; event?: WebhookEvent; rejected?: unknown }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
        const delivery = { headers, body: Buffer.concat(chunks) };
        fal.verifyWebhook!(delivery, new Date()).then(
          (event) => {
            received.push({ delivery, event });
            res.writeHead(200).end();
          },
          (rejected: unknown) => {
            received.push({ delivery, rejected });
            res.writeHead(401).end();
          },
        );
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/fal`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
  beforeEach(() => {
    received.length = 0;
  });

  async function deliveriesFor(id: string, count: number) {
    for (let i = 0; i < 300 && received.filter((r) => r.event?.externalId === id || r.delivery.headers["x-fal-webhook-request-id"] === id).length < count; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return received.filter((r) => r.delivery.headers["x-fal-webhook-request-id"] === id);
  }

  it("a signed delivery verifies into the job's outcome", async () => {
    fake.options.webhook = "once";
    const { externalId } = await fal.submit(request(), { ...opts(), webhookUrl: receiverUrl });
    const [got] = await deliveriesFor(externalId, 1);
    expect(got?.rejected).toBeUndefined();
    expect(got?.event).toMatchObject({ externalId, status: { state: "succeeded" } });
    expect(readProviderOutputs(flux, (got!.event!.status as { result: unknown }).result)).toHaveLength(2);
    expect(got!.event!.deliveryId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a failed job's delivery carries the failure's kind", async () => {
    Object.assign(fake.options, { webhook: "once", outcome: "policy" });
    const { externalId } = await fal.submit(request(), { ...opts(), webhookUrl: receiverUrl });
    const [got] = await deliveriesFor(externalId, 1);
    const status = got?.event?.status as { state: string; error: ProviderError };
    expect(status.state).toBe("failed");
    expect(status.error.kind).toBe("content_policy");
  });

  it("a re-signed resend is another delivery; a late replay of the same bytes has the same delivery id", async () => {
    fake.options.webhook = "duplicate";
    const dup = await fal.submit(request(), { ...opts(), webhookUrl: receiverUrl });
    const two = await deliveriesFor(dup.externalId, 2);
    expect(two.map((r) => r.event?.deliveryId).filter(Boolean)).toHaveLength(2);
    expect(new Set(two.map((r) => r.event?.deliveryId)).size).toBe(2);

    fake.options.webhook = "late";
    const late = await fal.submit(request(), { ...opts(), webhookUrl: receiverUrl });
    const both = await deliveriesFor(late.externalId, 2);
    expect(both).toHaveLength(2);
    expect(both[0]!.event!.deliveryId).toBe(both[1]!.event!.deliveryId);
  });

  describe("refusals", () => {
    const body = JSON.stringify({ request_id: "req-x", gateway_request_id: "req-x", status: "OK", payload: { images: [{ url: "https://cdn.test/a.png" }] } });
    const now = () => new Date();
    const refused = async (delivery: WebhookDelivery, at = now()) => {
      const error = await fal.verifyWebhook!(delivery, at).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WebhookRejected);
    };

    it("accepts the genuine delivery", async () => {
      await expect(fal.verifyWebhook!(fake.signDelivery(body), now())).resolves.toMatchObject({ externalId: "req-x", status: { state: "succeeded" } });
    });
    it("refuses an unsigned delivery", async () => {
      await refused({ headers: { "content-type": "application/json" }, body: Buffer.from(body) });
    });
    it("refuses a tampered body", async () => {
      const signed = fake.signDelivery(body);
      await refused({ headers: signed.headers, body: Buffer.from(body.replace("a.png", "b.png")) });
    });
    it("refuses a delivery signed with another key", async () => {
      await refused(fake.signDelivery(body, { key: generateKeyPairSync("ed25519").privateKey }));
    });
    it("refuses a stale or future timestamp", async () => {
      const t = Math.floor(Date.now() / 1000);
      await refused(fake.signDelivery(body, { timestamp: t - 301 }));
      await refused(fake.signDelivery(body, { timestamp: t + 301 }));
      await expect(fal.verifyWebhook!(fake.signDelivery(body, { timestamp: t - 290 }), now())).resolves.toBeDefined();
    });
    it("refuses a signed body naming another request, and a malformed signature", async () => {
      await refused(fake.signDelivery(body, { requestId: "req-other" }));
      const signed = fake.signDelivery(body);
      await refused({ headers: { ...signed.headers, "x-fal-webhook-signature": "zz" }, body: signed.body });
    });
    it("accepts a delivery signed by any key of the set", async () => {
      const second = generateKeyPairSync("ed25519").privateKey;
      fake.publishKey(second);
      const fresh = createFalAdapter({ apiKey: KEY, baseUrl: fake.url });
      await expect(fresh.verifyWebhook!(fake.signDelivery(body, { key: second }), now())).resolves.toMatchObject({ externalId: "req-x" });
      await expect(fresh.verifyWebhook!(fake.signDelivery(body), now())).resolves.toMatchObject({ externalId: "req-x" });
    });
    it("cannot verify without fal's key set: transient, not a refusal", async () => {
      const keyless = createFalAdapter({ apiKey: KEY, baseUrl: "http://127.0.0.1:9", requestTimeoutMs: 2_000 });
      const error = await keyless.verifyWebhook!(fake.signDelivery(body), now()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).kind).toBe("transient");
    });
    it("caches fal's key set and refetches it at most once a minute", async () => {
      const fresh = createFalAdapter({ apiKey: KEY, baseUrl: fake.url });
      const fetches = () => fake.requests.filter((r) => r.path === "/.well-known/jwks.json").length;
      const before = fetches();
      await fresh.verifyWebhook!(fake.signDelivery(body), now());
      await fresh.verifyWebhook!(fake.signDelivery(body), now());
      const other = generateKeyPairSync("ed25519").privateKey;
      await expect(fresh.verifyWebhook!(fake.signDelivery(body, { key: other }), now())).rejects.toBeInstanceOf(WebhookRejected);
      await expect(fresh.verifyWebhook!(fake.signDelivery(body, { key: other }), now())).rejects.toBeInstanceOf(WebhookRejected);
      expect(fetches() - before).toBe(1);
    });
  });
});


describe("fal adapter: every fal generator on the wire", () => {
  const cases = falDeclarations.flatMap((decl) => (fixture.generators[decl.name] ?? []).filter((run) => !run.invalid && !run.error).map((run) => [decl.name, run.label, decl, run] as const));

  it("covers every fal declaration", () => {
    expect(new Set(cases.map(([name]) => name)).size).toBe(falDeclarations.length);
  });

  it.each(cases)("%s (%s): sends Boards' request and reads Boards' outputs from the result", async (_name, _label, decl, run) => {
    fake.options.result = rehostUrls(fixture.providerResults[run.resultSet]!.fal, fake.url);
    const req = buildProviderRequest(decl, run.validated, recordedArtifactUrls(decl, run.validated));
    const { externalId } = await fal.submit(req, opts());
    const sent = fake.requests.at(-1)!;
    const expected = run.requests[0]!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(`/${expected.endpoint}`);
    expect(sent.body).toEqual(expected.body);

    fake.complete(externalId);
    const status = await fal.status(req.endpoint, externalId, signal());
    expect(status.state).toBe("succeeded");
    const outputs = readProviderOutputs(decl, (status as { result: unknown }).result, run.validated);
    const stored = (run.stored ?? []).map((s) => rehostUrls(s.storage_url, fake.url));
    expect(outputs.map((o) => o.url)).toEqual(stored);
  });
});
