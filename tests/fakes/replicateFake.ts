/**
 * A fake Replicate API: predictions by model or version, polling, cancel, files, the account's
 * webhook signing secret, and Standard Webhooks deliveries signed as Replicate signs them.
 * One timer per prediction (its completion); status is computed from the clock when asked.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeFileFor, rehostUrls } from "./fakeMedia.js";
import { recordRequest, type RecordedRequest } from "./fakeHttp.js";

export type ReplicateFakeOptions = {
  delayMs: number;
  outcome: "success" | "validation" | "policy" | "insufficient_credits" | "error";
  rateLimitFirst: number;
  serverErrorFirst: number;
  webhook: "none" | "once" | "duplicate" | "late";
  progressSteps: number;
  /** The output of succeeded predictions by model (`owner/name`), URLs on cdn.test rehosted here; others get the recorded result. */
  outputs: Record<string, unknown>;
};

type Prediction = {
  id: string;
  model: string;
  version?: string;
  input: unknown;
  webhook?: string;
  createdAt: number;
  done?: "succeeded" | "failed" | "canceled";
  timer?: NodeJS.Timeout;
};

const fixture = JSON.parse(readFileSync(new URL("../fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as {
  providerResults: { full: { replicate: unknown } };
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Starts the fake on a free port. */
export async function startReplicateFake(initial: Partial<ReplicateFakeOptions> = {}) {
  const options: ReplicateFakeOptions = { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, webhook: "none", progressSteps: 0, outputs: {}, ...initial };
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const requests: RecordedRequest[] = [];
  const predictions = new Map<string, Prediction>();
  let origin = "";

  function view(p: Prediction): Record<string, unknown> {
    const elapsed = Date.now() - p.createdAt;
    const status = p.done ?? (elapsed < options.delayMs / 4 ? "starting" : "processing");
    const body: Record<string, unknown> = { id: p.id, model: p.model, version: p.version ?? null, input: p.input, status, output: null, error: null, logs: "" };
    if (status === "processing" && options.progressSteps > 0) {
      const steps = Math.min(options.progressSteps, Math.floor((elapsed / options.delayMs) * options.progressSteps));
      const lines: string[] = [];
      for (let i = 0; i <= steps; i++) lines.push(`${String(Math.round((i / options.progressSteps) * 100)).padStart(3)}%|${"#".repeat(i)}| ${i}/${options.progressSteps}`);
      body.logs = lines.join("\n");
    }
    if (status === "succeeded") {
      body.output = rehostUrls(options.outputs[p.model] ?? fixture.providerResults.full.replicate, origin);
      body.metrics = { predict_time: options.delayMs / 1000 };
    }
    if (status === "failed") {
      body.error =
        options.outcome === "policy" ? "NSFW content detected. Try running it again, or try a different prompt."
        : options.outcome === "insufficient_credits" ? "Insufficient credit: add billing to continue"
        : options.outcome === "validation" ? "prompt: invalid value"
        : "CUDA out of memory";
    }
    return body;
  }

  async function deliver(p: Prediction, deliveryId: string): Promise<void> {
    if (!p.webhook) return;
    const body = JSON.stringify(view(p));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac("sha256", Buffer.from(secret.slice(6), "base64")).update(`${deliveryId}.${timestamp}.${body}`).digest("base64");
    await fetch(p.webhook, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": deliveryId, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` },
      body,
    }).catch(() => undefined);
  }

  function finish(p: Prediction): void {
    p.done = options.outcome === "success" ? "succeeded" : "failed";
    if (options.webhook === "none") return;
    const id = `msg_${randomUUID()}`;
    void deliver(p, id);
    if (options.webhook === "duplicate") void deliver(p, `msg_${randomUUID()}`);
    if (options.webhook === "late") setTimeout(() => void deliver(p, id), 50).unref();
  }

  function create(body: { input?: unknown; version?: string; webhook?: string }, model: string): Prediction {
    const p: Prediction = { id: randomUUID().replaceAll("-", "").slice(0, 26), model, version: body.version, input: body.input, webhook: body.webhook, createdAt: Date.now() };
    p.timer = setTimeout(() => finish(p), options.delayMs);
    p.timer.unref();
    predictions.set(p.id, p);
    return p;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const request = await recordRequest(req);
      const { raw: _raw, ...recorded } = request;
      requests.push(recorded);
      const path = recorded.path;
      if (path.startsWith("/files/")) {
        const file = await fakeFileFor(path);
        res.writeHead(200, { "content-type": file.contentType, "content-length": String(file.bytes.length) });
        res.end(file.bytes);
        return;
      }
      if (options.rateLimitFirst > 0) {
        options.rateLimitFirst--;
        return send(res, 429, { title: "Too Many Requests", detail: "Request was throttled.", status: 429 }, { "retry-after": "0" });
      }
      if (options.serverErrorFirst > 0) {
        options.serverErrorFirst--;
        return send(res, 503, { detail: "Service unavailable" });
      }
      if (recorded.headers.authorization !== "Bearer r8_test") return send(res, 401, { title: "Unauthenticated", detail: "You did not pass a valid authentication token", status: 401 });
      const body = (recorded.body ?? {}) as { input?: unknown; version?: string; webhook?: string };
      const byModel = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
      if (req.method === "POST" && (byModel || path === "/v1/predictions")) {
        if (options.outcome === "validation") return send(res, 422, { title: "Input validation failed", detail: "- input.prompt: Invalid type", status: 422 });
        if (options.outcome === "insufficient_credits") return send(res, 402, { title: "Insufficient credit", detail: "You have insufficient credit to run this model.", status: 402 });
        const p = create(body, byModel ? `${byModel[1]}/${byModel[2]}` : "");
        return send(res, 201, view(p));
      }
      const one = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
      if (one) {
        const p = predictions.get(one[1] ?? "");
        if (!p) return send(res, 404, { detail: "Not found." });
        if (one[2] && req.method === "POST") {
          if (!p.done) {
            clearTimeout(p.timer);
            p.done = "canceled";
          }
          return send(res, 200, view(p));
        }
        return send(res, 200, view(p));
      }
      if (req.method === "POST" && path === "/v1/files") {
        const content = (recorded.body as Record<string, { size?: number }> | undefined)?.content;
        const id = randomUUID();
        return send(res, 201, { id, size: content?.size ?? 0, urls: { get: `${origin}/files/${id}.png` } });
      }
      if (req.method === "GET" && path === "/v1/webhooks/default/secret") return send(res, 200, { key: secret });
      send(res, 404, { detail: "Not found." });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { detail: "fake failed" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    options,
    /** The fake's webhook signing secret (as GET /v1/webhooks/default/secret returns it). */
    secret,
    /** Finishes a prediction now with the configured outcome. */
    complete(id: string): void {
      const p = predictions.get(id);
      if (p && !p.done) {
        clearTimeout(p.timer);
        finish(p);
      }
    },
    close(): Promise<void> {
      for (const p of predictions.values()) clearTimeout(p.timer);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
