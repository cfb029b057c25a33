/**
 * POST /api/webhooks/{provider}: a provider tells us one of its jobs changed. Served only when
 * BOARDS_PUBLIC_URL is set (without it providers are polled and this path is 404). The body is
 * read as exact bytes (signatures cover them) and verified by the provider's adapter. A delivery
 * about a finished generation is answered 200 and changes nothing (providers retry, and late
 * copies come); otherwise it is refused when its delivery id was seen before, and then only wakes
 * the generation's poll job: the poll reads the provider's status, so a delivery never writes a
 * result itself.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SharedDeps } from "../context.js";
import { isDeclared } from "../generators/Generator.js";
import { Prisma } from "../generated/prisma/client.js";
import { wakeParkedGeneration } from "../jobs/pollGenerationJob.js";
import { webhooks } from "../metrics/metrics.js";
import { ProviderError, WebhookRejected, type ProviderName } from "../providers/ProviderAdapter.js";
import { sendJson } from "./respond.js";

export const WEBHOOK_PATH = /^\/api\/webhooks\/([^/]+)$/;

const MAX_BODY_BYTES = 1024 * 1024;
const READ_TIMEOUT_MS = 10_000;
const PURGE_EVERY_MS = 60_000;
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

type Body = { ok: true; bytes: Buffer } | { ok: false; status: 400 | 408 | 413; detail: string };

/** Reads the raw body, at most `maxBytes`, giving up after `timeoutMs`. */
function readRawBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Body> {
  const tooLarge: Body = { ok: false, status: 413, detail: `Request body exceeds ${maxBytes} bytes` };
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Body) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(result);
    };
    const timer = setTimeout(() => {
      req.pause();
      finish({ ok: false, status: 408, detail: "Request body not received in time" });
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.pause();
      finish(tooLarge);
    };
    const onEnd = () => finish({ ok: true, bytes: Buffer.concat(chunks) });
    const onError = () => finish({ ok: false, status: 400, detail: "Could not read the request body" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  // Node lower-cases names already; repeated headers are joined as fetch would.
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return headers;
}

/**
 * Builds the webhook handler for the shared deps; it answers paths matching {@link WEBHOOK_PATH}.
 */
export function createWebhookRoute(deps: Pick<SharedDeps, "prisma" | "providers" | "generators" | "publicUrl">) {
  const { prisma } = deps;
  let lastPurge = 0;

  /** Drops deliveries older than a day, at most once a minute: replays that old fail their freshness check anyway. */
  async function purgeOld(now: number) {
    if (now - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now;
    await prisma.$executeRaw(Prisma.sql`DELETE FROM webhook_deliveries WHERE received_at < now() - interval '1 day'`);
  }

  /** Generator names declared for this provider. */
  function generatorNames(provider: ProviderName): string[] {
    return deps.generators.list().filter((g) => isDeclared(g) && g.declaration.provider === provider).map((g) => g.name);
  }

  return async function serveWebhook(req: IncomingMessage, res: ServerResponse, providerSegment: string): Promise<void> {
    const provider = decodeURIComponent(providerSegment) as ProviderName;
    const adapter = deps.publicUrl && Object.hasOwn(deps.providers, provider) ? deps.providers[provider] : undefined;
    if (!adapter?.verifyWebhook) return sendJson(res, 404, { detail: "Not Found" });
    const count = (outcome: string) => webhooks.inc({ provider, outcome });
    if (req.method !== "POST") return sendJson(res, 405, { detail: "Method Not Allowed" }, { allow: "POST" });

    const body = await readRawBody(req, MAX_BODY_BYTES, READ_TIMEOUT_MS);
    if (!body.ok) {
      count(body.status === 413 ? "too_large" : "unreadable");
      return sendJson(res, body.status, { detail: body.detail }, { connection: "close" });
    }
    let event;
    try {
      event = await adapter.verifyWebhook({ headers: headersOf(req), body: body.bytes }, new Date());
    } catch (error) {
      // The provider's key set could not be fetched: not the sender's fault, so ask it to retry.
      if (error instanceof ProviderError && error.kind === "transient") {
        count("unverifiable");
        return sendJson(res, 503, { detail: "Webhook cannot be verified right now; retry later" }, { "retry-after": "30" });
      }
      if (!(error instanceof WebhookRejected)) throw error;
      count("rejected");
      // The adapter's message says which check failed; it never carries the signature or key.
      return sendJson(res, 401, { detail: `Webhook rejected: ${error.message}` });
    }

    const generation = await prisma.generation.findFirst({
      where: { externalJobId: event.externalId, generatorName: { in: generatorNames(provider) } },
      select: { id: true, status: true },
    });
    // Not (yet) ours: the delivery may have raced ahead of our commit; the poll will find the outcome.
    if (!generation) {
      count("unknown_job");
      return sendJson(res, 200, { status: "ignored" });
    }
    // A provider's retry of a delivery we acted on, or one that comes after the end: nothing to do.
    if (TERMINAL.has(generation.status)) {
      count("finished");
      return sendJson(res, 200, { status: "ignored" });
    }
    await purgeOld(Date.now());
    const inserted = await prisma.$executeRaw(Prisma.sql`
      INSERT INTO webhook_deliveries (provider, delivery_id) VALUES (${provider}, ${event.deliveryId})
      ON CONFLICT DO NOTHING`);
    if (inserted === 0) {
      count("replayed");
      return sendJson(res, 401, { detail: "replayed delivery" });
    }
    await wakeParkedGeneration(prisma, generation.id);
    count("woken");
    return sendJson(res, 202, { status: "accepted" });
  };
}
