/**
 * A fake fal.ai on 127.0.0.1: the queue API (submit at `POST /<app id>` with `?fal_webhook=`,
 * status/result/cancel under `/<owner>/<app>/requests/<id>`), storage uploads (`POST
 * /storage/upload/initiate`, then a PUT to the returned URL; `initiate-multipart`, then parts), output files at `/files/<name>`,
 * and webhooks signed with ED25519 by a test key published at `/.well-known/jwks.json`.
 *
 * Jobs advance by the clock (queued for the first fifth of `delayMs`, then running, then done),
 * so status calls cost nothing and a job needs a timer only when it has a webhook to deliver.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeFileFor, rehostUrls } from "./fakeMedia.js";

export type FalFakeOutcome = "success" | "validation" | "policy" | "insufficient_credits" | "error";

export type FalFakeOptions = {
  /** Submit → completed, in ms. */
  delayMs: number;
  /** How jobs submitted from now on end (insufficient_credits is refused at submit, as fal does). */
  outcome: FalFakeOutcome;
  /** Answer the next N API requests 429 with Retry-After: 0. */
  rateLimitFirst: number;
  /** Answer the next N API requests 503. */
  serverErrorFirst: number;
  /** After completion, POST the signed delivery to the job's `fal_webhook`: once, twice (re-signed), or once more later. */
  webhook: "none" | "once" | "duplicate" | "late";
  /** Progress-bar log lines a running job reports (0: none). */
  progressSteps: number;
  /** Required `Authorization: Key <apiKey>` (unset: any key). */
  apiKey?: string;
  /** The result of successful jobs (default: fal's recorded union result, URLs on this fake). */
  result?: unknown;
  /** The app ids this fal has (unset: any); others are answered 404 at submit. */
  apps?: string[];
  /** Sent as X-Fal-Webhook-User-Id. */
  userId: string;
};

export type FalFakeRequest = { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown };

type Job = {
  id: string;
  app: string;
  submittedAt: number;
  doneAt: number;
  outcome: FalFakeOutcome;
  result: unknown;
  cancelled: boolean;
  webhookUrl?: string;
  webhookTimer?: NodeJS.Timeout;
};

export type FalFake = {
  url: string;
  requests: FalFakeRequest[];
  options: FalFakeOptions;
  /** The private key signing webhooks; tests sign with others to see them refused. */
  signingKey: KeyObject;
  /** Ends a job now. */
  complete(requestId: string): void;
  /** Ends a job now with this outcome. */
  fail(requestId: string, outcome?: Exclude<FalFakeOutcome, "success">): void;
  /** Publishes one more key in the key set (rotation: fal's set holds several). */
  publishKey(key: KeyObject): void;
  /** A delivery signed as fal signs (headers lower-cased), for `verifyWebhook`. */
  signDelivery(body: string, options?: { requestId?: string; timestamp?: number; key?: KeyObject }): { headers: Record<string, string>; body: Buffer };
  /** Webhook POSTs the fake made: URL, response status, the job's request id, and when the POST was sent (ms epoch). */
  deliveries: Array<{ url: string; status: number; requestId: string; at: number }>;
  close(): Promise<void>;
};

const fixture = JSON.parse(readFileSync(new URL("../fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as {
  providerResults: Record<string, Record<string, unknown>>;
};

const FAILURES: Record<Exclude<FalFakeOutcome, "success">, { status: number; body: unknown }> = {
  insufficient_credits: { status: 403, body: { detail: "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing." } },
  validation: { status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: "field required", type: "value_error.missing" }] } },
  policy: {
    status: 422,
    body: { detail: [{ loc: ["body", "prompt"], msg: "The content was flagged by a content checker.", type: "content_policy_violation", url: "https://docs.fal.ai/errors#content_policy_violation" }] },
  },
  error: { status: 500, body: { detail: "Internal server error", error_type: "runner_server_error" } },
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts the fake; `options` overrides the defaults and stays mutable on the returned object. */
export async function startFalFake(options: Partial<FalFakeOptions> = {}): Promise<FalFake> {
  const opts: FalFakeOptions = { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, webhook: "none", progressSteps: 0, userId: "fake-user", ...options };
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwks = [{ ...publicKey.export({ format: "jwk" }), kid: "fake-fal-1", use: "sig", alg: "EdDSA" }];
  const jobs = new Map<string, Job>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: FalFakeRequest[] = [];
  const deliveries: FalFake["deliveries"] = [];
  let nextId = 1;
  let url = "";

  const signDelivery: FalFake["signDelivery"] = (body, o = {}) => {
    const requestId = o.requestId ?? (JSON.parse(body) as { request_id: string }).request_id;
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const digest = createHash("sha256").update(body).digest("hex");
    const signature = sign(null, Buffer.from([requestId, opts.userId, timestamp, digest].join("\n")), o.key ?? privateKey).toString("hex");
    return {
      headers: {
        "content-type": "application/json",
        "x-fal-webhook-request-id": requestId,
        "x-fal-webhook-user-id": opts.userId,
        "x-fal-webhook-timestamp": timestamp,
        "x-fal-webhook-signature": signature,
      },
      body: Buffer.from(body),
    };
  };

  const webhookBody = (job: Job): string => {
    if (job.outcome === "success") return JSON.stringify({ request_id: job.id, gateway_request_id: job.id, status: "OK", payload: job.result });
    const failure = FAILURES[job.outcome];
    return JSON.stringify({ request_id: job.id, gateway_request_id: job.id, status: "ERROR", error: `Invalid status code: ${failure.status}`, payload: failure.body });
  };

  const post = async (target: string, delivery: { headers: Record<string, string>; body: Buffer }) => {
    const sent = { requestId: delivery.headers["x-fal-webhook-request-id"] ?? "", at: Date.now() };
    try {
      const response = await fetch(target, { method: "POST", headers: delivery.headers, body: new Uint8Array(delivery.body) });
      await response.arrayBuffer();
      deliveries.push({ url: target, status: response.status, ...sent });
    } catch {
      deliveries.push({ url: target, status: 0, ...sent });
    }
  };

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };

  const scheduleWebhook = (job: Job) => {
    if (!job.webhookUrl || opts.webhook === "none") return;
    const target = job.webhookUrl;
    if (job.webhookTimer) {
      clearTimeout(job.webhookTimer);
      timers.delete(job.webhookTimer);
    }
    job.webhookTimer = later(Math.max(0, job.doneAt - Date.now()), () => {
      // complete()/fail() reschedule this timer; cancelled jobs send nothing.
      if (job.cancelled) return;
      const body = webhookBody(job);
      const first = signDelivery(body);
      void post(target, first);
      // fal re-signs a resend with a new timestamp; a late copy replays the same bytes.
      if (opts.webhook === "duplicate") void post(target, signDelivery(body, { timestamp: Number(first.headers["x-fal-webhook-timestamp"]) + 1 }));
      if (opts.webhook === "late") later(Math.max(50, opts.delayMs), () => void post(target, first));
    });
  };

  const finish = (id: string, outcome?: FalFakeOutcome) => {
    const job = jobs.get(id);
    if (!job) throw new Error(`no fake fal job ${id}`);
    if (outcome) job.outcome = outcome;
    job.doneAt = Math.min(job.doneAt, Date.now());
    scheduleWebhook(job);
  };

  const progressLogs = (job: Job, now: number) => {
    const logs = [{ message: "Loading model", level: "INFO", source: "user", timestamp: new Date(job.submittedAt).toISOString() }];
    const steps = opts.progressSteps;
    if (steps > 0) {
      const runStart = job.submittedAt + (job.doneAt - job.submittedAt) / 5;
      const done = Math.min(steps, Math.floor(((now - runStart) / Math.max(1, job.doneAt - runStart)) * steps));
      for (let k = 1; k <= done; k++) {
        const pct = Math.round((k / steps) * 100);
        logs.push({ message: `${String(pct).padStart(3)}%|${"█".repeat(Math.round(pct / 10)).padEnd(10)}| ${k}/${steps}`, level: "INFO", source: "user", timestamp: new Date().toISOString() });
      }
    }
    return logs;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? "/", "http://fake");
      const path = decodeURIComponent(parsed.pathname);
      const raw = await readBody(req);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      let body: unknown = undefined;
      const upload = path.startsWith("/uploads/") || path.startsWith("/multipart/");
      if (req.method === "PUT" && upload) body = { size: raw.length };
      else if (raw.length) {
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          body = { size: raw.length };
        }
      }
      requests.push({ method: req.method ?? "", path, query: Object.fromEntries(parsed.searchParams), headers, body });

      if (req.method === "GET" && path === "/.well-known/jwks.json") return send(res, 200, { keys: jwks });
      if (req.method === "GET" && path.startsWith("/files/")) {
        const file = await fakeFileFor(path.slice("/files/".length));
        res.writeHead(200, { "content-type": file.contentType, "content-length": file.bytes.length });
        return res.end(file.bytes);
      }
      if (req.method === "PUT" && path.startsWith("/uploads/")) return send(res, 200, {});
      const part = /^\/multipart\/[^/]+\/[^/]+\/(\d+|complete)$/.exec(path);
      if (part && req.method === "PUT" && part[1] !== "complete") return send(res, 200, { partNumber: Number(part[1]), etag: `"etag-${part[1]}"` });
      if (part && req.method === "POST" && part[1] === "complete") return send(res, 200, {});

      if (opts.rateLimitFirst > 0) {
        opts.rateLimitFirst -= 1;
        return send(res, 429, { detail: "Rate limit exceeded" }, { "retry-after": "0" });
      }
      if (opts.serverErrorFirst > 0) {
        opts.serverErrorFirst -= 1;
        return send(res, 503, { detail: "Service temporarily unavailable", error_type: "runner_scheduling_failure" });
      }
      if (opts.apiKey !== undefined && headers.authorization !== `Key ${opts.apiKey}`) return send(res, 401, { detail: "Invalid API key" });

      if (req.method === "POST" && path.startsWith("/storage/upload/initiate")) {
        const { file_name: name } = (body ?? {}) as { file_name?: string };
        const id = nextId++;
        const safe = (name ?? "upload.bin").replace(/[^A-Za-z0-9._-]/g, "_");
        const where = path.endsWith("-multipart") ? "multipart" : "uploads";
        return send(res, 200, { upload_url: `${url}/${where}/${id}/${safe}?signature=fake`, file_url: `${url}/files/upload-${id}-${safe}` });
      }

      const match = /^\/(.+?)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
      if (match) {
        const job = jobs.get(match[2]!);
        if (!job) return send(res, 404, { detail: "Request not found" });
        const now = Date.now();
        if (match[3] === "/cancel" && req.method === "PUT") {
          if (now >= job.doneAt) return send(res, 400, { status: "ALREADY_COMPLETED" });
          job.cancelled = true;
          job.doneAt = now;
          return send(res, 202, { status: "CANCELLATION_REQUESTED" });
        }
        const base = `${url}/${match[1]}/requests/${job.id}`;
        if (match[3] === "/status" && req.method === "GET") {
          const logs = parsed.searchParams.get("logs") === "1" ? progressLogs(job, now) : undefined;
          if (job.cancelled) return send(res, 200, { status: "COMPLETED", error: "Request was cancelled", error_type: "request_cancelled", response_url: base, logs });
          if (now < job.submittedAt + (job.doneAt - job.submittedAt) / 5) {
            return send(res, 202, { status: "IN_QUEUE", queue_position: 0, response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` });
          }
          if (now < job.doneAt) return send(res, 202, { status: "IN_PROGRESS", response_url: base, logs });
          return send(res, 200, { status: "COMPLETED", response_url: base, logs, metrics: { inference_time: (job.doneAt - job.submittedAt) / 1000 } });
        }
        if (!match[3] && req.method === "GET") {
          if (now < job.doneAt) return send(res, 400, { detail: "Request is still in progress" });
          if (job.cancelled) return send(res, 400, { detail: "Request was cancelled" });
          if (job.outcome === "success") return send(res, 200, job.result);
          const failure = FAILURES[job.outcome];
          return send(res, failure.status, failure.body, failure.status >= 500 ? { "x-fal-error-type": "runner_server_error" } : {});
        }
      }

      if (req.method === "POST" && path.length > 1) {
        if (opts.apps && !opts.apps.includes(path.slice(1))) return send(res, 404, { detail: `Application '${path.slice(1)}' not found` });
        if (opts.outcome === "insufficient_credits") return send(res, FAILURES.insufficient_credits.status, FAILURES.insufficient_credits.body);
        const id = `req-${String(nextId++).padStart(6, "0")}-${Math.random().toString(16).slice(2, 10)}`;
        const submittedAt = Date.now();
        const job: Job = {
          id,
          app: path.slice(1),
          submittedAt,
          doneAt: submittedAt + opts.delayMs,
          outcome: opts.outcome,
          result: opts.result ?? rehostUrls(fixture.providerResults.full!.fal, url),
          cancelled: false,
          webhookUrl: parsed.searchParams.get("fal_webhook") ?? undefined,
        };
        jobs.set(id, job);
        scheduleWebhook(job);
        const parts = job.app.split("/");
        const base = `${url}/${parts.slice(0, 2).join("/")}/requests/${id}`;
        return send(res, 200, { request_id: id, gateway_request_id: id, response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel`, queue_position: 0 });
      }
      send(res, 404, { detail: "Not found" });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { detail: "fake failure" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    options: opts,
    signingKey: privateKey,
    complete: (id) => finish(id),
    fail: (id, outcome = "error") => finish(id, outcome),
    signDelivery,
    publishKey(key) {
      jwks.push({ ...createPublicKey(key).export({ format: "jwk" }), kid: `fake-fal-${jwks.length + 1}`, use: "sig", alg: "EdDSA" });
    },
    deliveries,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
