/**
 * A fake Kie.ai speaking its documented API: Market tasks (`POST /api/v1/jobs/createTask`,
 * `GET /api/v1/jobs/recordInfo`), the dedicated Suno, Veo and Runway Aleph APIs with their own
 * record shapes, the file stream upload, and signed callbacks (X-Webhook-Timestamp,
 * X-Webhook-Signature = base64 HMAC-SHA256 of `${taskId}.${timestamp}`). Like Kie, it answers
 * HTTP 200 with the outcome in the JSON `code`. A task's state is computed from the clock when
 * asked; the only timers are callback deliveries, so hundreds of slow tasks cost nothing.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import busboy from "busboy";
import { fakeFileFor, rehostUrls } from "./fakeMedia.js";

type Kind = "market" | "suno" | "veo" | "aleph";
type Outcome = "success" | "validation" | "policy" | "insufficient_credits" | "error";

export type KieFakeOptions = {
  /** Submit → done, in ms. */
  delayMs: number;
  /** validation and insufficient_credits refuse the submit (code 422 / 402); policy and error fail the task. */
  outcome: Outcome;
  /** Answer the first N API requests HTTP 429 with Retry-After: 0. */
  rateLimitFirst: number;
  /** Answer the first N API requests HTTP 503. */
  serverErrorFirst: number;
  /** After completion, POST the signed callback to the task's callBackUrl: once, twice (new timestamps), or once more later. */
  webhook: "none" | "once" | "duplicate" | "late";
  /** Market tasks report `progress` in this many steps while generating (0: none). */
  progressSteps: number;
  /** How much later the "late" callback comes, in ms. */
  lateWebhookMs: number;
  /** Market image models (names with "image" or "banana") answer with image files; off: the recorded union result (videos). */
  imageFilesForImageModels: boolean;
};

export type RecordedRequest = { method: string; path: string; query: Record<string, string>; headers: Record<string, string | string[] | undefined>; body: unknown };
export type SentCallback = { url: string; headers: Record<string, string>; body: string; status?: number };

export type KieFake = {
  url: string;
  /** The key the fake accepts as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The webhook HMAC key the fake signs callbacks with. */
  webhookKey: string;
  requests: RecordedRequest[];
  callbacks: SentCallback[];
  options: KieFakeOptions;
  /** Finishes a task now (with its outcome) and delivers its callback. */
  complete(taskId: string): void;
  /** Fails a task now with this message. */
  fail(taskId: string, message?: string): void;
  close(): Promise<void>;
};

type Task = { id: string; kind: Kind; model?: string; createdAt: number; doneAt: number; outcome: Outcome; failMessage?: string; callBackUrl?: string; timer?: NodeJS.Timeout };

const fixture = JSON.parse(readFileSync(new URL("../fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as {
  providerResults: Record<string, Record<string, unknown>>;
};

const SUBMIT_KIND: Record<string, Kind> = {
  "/api/v1/jobs/createTask": "market",
  "/api/v1/generate": "suno",
  "/api/v1/generate/sounds": "suno",
  "/api/v1/veo/generate": "veo",
  "/api/v1/aleph/generate": "aleph",
};
const RECORD_KIND: Record<string, Kind> = {
  "/api/v1/jobs/recordInfo": "market",
  "/api/v1/generate/record-info": "suno",
  "/api/v1/veo/record-info": "veo",
  "/api/v1/aleph/record-info": "aleph",
};

const POLICY_MESSAGE = "Your prompt was flagged as sensitive content and rejected by the content policy.";
const ERROR_MESSAGE = "Internal error, please try again later.";

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function readMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; files: Array<{ field: string; filename: string; contentType: string; size: number }> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Array<{ field: string; filename: string; contentType: string; size: number }> = [];
    const parser = busboy({ headers: req.headers });
    parser.on("field", (name, value) => (fields[name] = value));
    parser.on("file", (field, stream, info) => {
      let size = 0;
      stream.on("data", (c: Buffer) => (size += c.length));
      stream.on("end", () => files.push({ field, filename: info.filename, contentType: info.mimeType, size }));
    });
    parser.on("close", () => resolve({ fields, files }));
    parser.on("error", reject);
    req.pipe(parser);
  });
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

/** Starts the fake on a free loopback port. */
export async function startKieFake(init: Partial<KieFakeOptions> & { apiKey?: string; webhookKey?: string } = {}): Promise<KieFake> {
  const { apiKey = "kie-test-key", webhookKey = randomBytes(24).toString("base64url"), ...knobs } = init;
  const options: KieFakeOptions = { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, webhook: "none", progressSteps: 0, lateWebhookMs: 150, imageFilesForImageModels: false, ...knobs };
  const tasks = new Map<string, Task>();
  const requests: RecordedRequest[] = [];
  const callbacks: SentCallback[] = [];
  const lateTimers = new Set<NodeJS.Timeout>();
  let throttled = 0;
  let broken = 0;
  let url = "";

  const IMAGE_MODEL = /image|banana/i;
  const full = () => rehostUrls(fixture.providerResults.full!.kie as Record<string, unknown>, url);

  /** The record the task's status API returns now. */
  function record(task: Task, now: number): Record<string, unknown> {
    const base = { taskId: task.id, createTime: task.createdAt };
    const elapsed = now - task.createdAt;
    const done = now >= task.doneAt;
    const queued = !done && elapsed < options.delayMs / 3;
    if (done && task.outcome === "success") {
      const result: Record<string, unknown> = { ...full(), ...base, completeTime: task.doneAt };
      // Kie's Suno tracks carry cover art (the recorded result has only the audio).
      const response = result.response as { sunoData?: Array<Record<string, unknown>> } | undefined;
      if (task.kind === "suno" && response?.sunoData) {
        result.response = { ...response, sunoData: response.sunoData.map((track, i) => ({ ...track, imageUrl: `${url}/files/suno-${i}-cover.jpeg` })) };
      }
      if (options.imageFilesForImageModels && task.kind === "market" && IMAGE_MODEL.test(task.model ?? "")) {
        result.resultJson = String(result.resultJson).replaceAll(".mp4", ".png");
      }
      return result;
    }
    if (done) {
      const policy = task.outcome === "policy";
      const message = task.failMessage ?? (policy ? POLICY_MESSAGE : ERROR_MESSAGE);
      if (task.kind === "market") return { ...base, model: task.model, state: "fail", resultJson: "", failCode: policy ? "400" : "500", failMsg: message };
      if (task.kind === "suno") return { ...base, status: policy ? "SENSITIVE_WORD_ERROR" : "GENERATE_AUDIO_FAILED", errorCode: policy ? 400 : 501, errorMessage: message };
      return { ...base, successFlag: policy ? 2 : 3, errorCode: policy ? 400 : 501, errorMessage: message };
    }
    if (task.kind === "market") {
      if (queued) return { ...base, model: task.model, state: "waiting", resultJson: "", failCode: "", failMsg: "" };
      const steps = options.progressSteps;
      const progress = steps > 0 ? Math.floor((Math.min(1, elapsed / options.delayMs) * steps)) * (100 / steps) : undefined;
      return { ...base, model: task.model, state: "generating", resultJson: "", failCode: "", failMsg: "", ...(progress === undefined ? {} : { progress }) };
    }
    if (task.kind === "suno") return { ...base, status: queued ? "PENDING" : elapsed < (options.delayMs * 2) / 3 ? "TEXT_SUCCESS" : "FIRST_SUCCESS" };
    return { ...base, successFlag: 0 };
  }

  /** The callback body each API sends when its task ends. */
  function callbackBody(task: Task): Record<string, unknown> {
    const result = record(task, Math.max(Date.now(), task.doneAt));
    const ok = task.outcome === "success";
    const response = (result.response ?? {}) as { resultUrls?: string[]; resultVideoUrl?: string; sunoData?: Array<{ audioUrl: string; duration: number }> };
    const message = String(result.failMsg ?? result.errorMessage ?? "");
    switch (task.kind) {
      case "market":
        return { code: ok ? 200 : 501, msg: ok ? "Playground task completed successfully." : message, data: result };
      case "veo":
        return ok
          ? { code: 200, msg: "Veo3.1 video generated successfully.", data: { taskId: task.id, info: { resultUrls: response.resultUrls, originUrls: response.resultUrls }, fallbackFlag: false } }
          : { code: 501, msg: message, data: { taskId: task.id, fallbackFlag: false } };
      case "suno":
        return ok
          ? { code: 200, msg: "All generated successfully.", data: { callbackType: "complete", task_id: task.id, data: (response.sunoData ?? []).map((s, i) => ({ id: `${task.id}-${i}`, audio_url: s.audioUrl, duration: s.duration })) } }
          : { code: 501, msg: message, data: { callbackType: "error", task_id: task.id, data: null } };
      case "aleph":
        return ok ? { code: 200, msg: "success", data: { result_video_url: response.resultVideoUrl, result_image_url: null }, taskId: task.id } : { code: 501, msg: message, data: null, taskId: task.id };
    }
  }

  function send(task: Task, timestamp: number): void {
    if (!task.callBackUrl) return;
    const body = JSON.stringify(callbackBody(task));
    const headers = {
      "content-type": "application/json",
      "x-webhook-timestamp": String(timestamp),
      "x-webhook-signature": createHmac("sha256", webhookKey).update(`${task.id}.${timestamp}`).digest("base64"),
    };
    const sent: SentCallback = { url: task.callBackUrl, headers, body };
    callbacks.push(sent);
    fetch(task.callBackUrl, { method: "POST", headers, body }).then(
      (r) => {
        sent.status = r.status;
        return r.body?.cancel();
      },
      () => undefined,
    );
  }

  function deliver(task: Task): void {
    if (task.timer) clearTimeout(task.timer);
    task.timer = undefined;
    const mode = options.webhook;
    if (mode === "none" || !task.callBackUrl) return;
    const now = Math.floor(Date.now() / 1000);
    send(task, now);
    if (mode === "duplicate") send(task, now + 1);
    if (mode === "late") {
      const late = setTimeout(() => {
        lateTimers.delete(late);
        send(task, Math.floor(Date.now() / 1000));
      }, options.lateWebhookMs);
      lateTimers.add(late);
    }
  }

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? "/", url);
    const path = parsed.pathname;
    const query = Object.fromEntries(parsed.searchParams);
    if (req.method === "GET" && path.startsWith("/files/")) {
      requests.push({ method: "GET", path, query, headers: req.headers, body: undefined });
      const file = await fakeFileFor(path);
      res.writeHead(200, { "content-type": file.contentType, "content-length": String(file.bytes.length) });
      res.end(file.bytes);
      return;
    }

    const multipart = (req.headers["content-type"] ?? "").startsWith("multipart/form-data");
    let body: unknown;
    if (multipart) body = await readMultipart(req);
    else {
      const raw = await readBody(req);
      try {
        body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
      } catch {
        body = raw.toString("utf8");
      }
    }
    requests.push({ method: req.method ?? "GET", path, query, headers: req.headers, body });

    if (throttled < options.rateLimitFirst) {
      throttled++;
      return json(res, 429, { code: 429, msg: "Too many requests, please slow down." }, { "retry-after": "0" });
    }
    if (broken < options.serverErrorFirst) {
      broken++;
      res.writeHead(503, { "content-type": "text/html" });
      res.end("<html><body>503 Service Temporarily Unavailable</body></html>");
      return;
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) return json(res, 200, { code: 401, msg: "You do not have access permissions", data: null });

    if (req.method === "POST" && path === "/api/file-stream-upload") {
      const form = body as Awaited<ReturnType<typeof readMultipart>>;
      const file = form.files?.find((f) => f.field === "file");
      if (!multipart || !file || !form.fields.uploadPath) return json(res, 200, { success: false, code: 400, msg: "file and uploadPath are required", data: null });
      const name = `${randomUUID()}-${file.filename}`;
      return json(res, 200, {
        success: true,
        code: 200,
        msg: "File uploaded successfully",
        data: { fileName: name, filePath: `${form.fields.uploadPath}/${name}`, downloadUrl: `${url}/files/uploads/${name}`, fileSize: file.size, mimeType: file.contentType, uploadedAt: new Date().toISOString() },
      });
    }

    const submitKind = req.method === "POST" ? SUBMIT_KIND[path] : undefined;
    if (submitKind) {
      const payload = (body ?? {}) as Record<string, unknown>;
      if (submitKind === "market" && (typeof payload.model !== "string" || typeof payload.input !== "object")) return json(res, 200, { code: 422, msg: "model and input are required", data: null });
      if (options.outcome === "validation") return json(res, 200, { code: 422, msg: "Invalid parameter: prompt is not allowed here", data: null });
      if (options.outcome === "insufficient_credits") return json(res, 200, { code: 402, msg: "The current credits are insufficient. Please top up.", data: null });
      const now = Date.now();
      const callBackUrl = typeof payload.callBackUrl === "string" && isLoopback(payload.callBackUrl) ? payload.callBackUrl : undefined;
      const task: Task = { id: randomBytes(16).toString("hex"), kind: submitKind, model: payload.model as string | undefined, createdAt: now, doneAt: now + options.delayMs, outcome: options.outcome, callBackUrl };
      if (callBackUrl) task.timer = setTimeout(() => deliver(task), options.delayMs);
      tasks.set(task.id, task);
      return json(res, 200, { code: 200, msg: "success", data: { taskId: task.id } });
    }

    const recordKind = req.method === "GET" ? RECORD_KIND[path] : undefined;
    if (recordKind) {
      const task = tasks.get(query.taskId ?? "");
      if (!task || task.kind !== recordKind) return json(res, 200, { code: 404, msg: "Task not found", data: null });
      return json(res, 200, { code: 200, msg: "success", data: record(task, Date.now()) });
    }
    return json(res, 404, { code: 404, msg: "Not Found", data: null });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { code: 500, msg: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const finish = (taskId: string, outcome?: Outcome, message?: string) => {
    const task = tasks.get(taskId);
    if (!task) throw new Error(`no such task ${taskId}`);
    task.doneAt = Math.min(task.doneAt, Date.now());
    if (outcome) task.outcome = outcome;
    if (message) task.failMessage = message;
    deliver(task);
  };

  return {
    url,
    apiKey,
    webhookKey,
    requests,
    callbacks,
    options,
    complete: (taskId) => finish(taskId),
    fail: (taskId, message = ERROR_MESSAGE) => finish(taskId, "error", message),
    close: async () => {
      for (const task of tasks.values()) if (task.timer) clearTimeout(task.timer);
      for (const timer of lateTimers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
