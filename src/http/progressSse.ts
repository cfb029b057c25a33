/**
 * GET /api/sse/generations/{id}/progress — the Boards client's progress stream. Sends
 * `data: {json}` events (`job_id` and `jobId` = the generation id, lowercase `status`,
 * `progress` 0–100, `phase`, `message`, `artifacts`, `timestamp`): the current state first,
 * then each change as it is published (no polling), closing after a terminal state, with
 * `: keep-alive` comments in between. Errors as Boards: 401, 404, 403 with `{detail}`. The
 * stream also closes when the caller's token expires (a client reconnecting with it gets 401),
 * and when live updates are interrupted (the event bus lost), after a comment saying so: a
 * client reconnecting gets the current state first. Each stream holds a place of the caller's
 * live-subscription quota while it runs; over the quota the answer is 429.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { canReadBoard } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { artifactUrls } from "../services/artifactUrls.js";
import type { GenerationEvent } from "../events.js";
import { accessToBoard } from "../services/boardAccess.js";
import { generationUpdates, isStreamEnd } from "../services/generationEvents.js";
import type { SubscriptionQuota } from "../lib/SubscriptionQuota.js";
import { sendJson } from "./respond.js";
import { isUuid } from "../lib/uuid.js";
import { subscriptionsActive } from "../metrics/metrics.js";

export const PROGRESS_PATH = /^\/api\/sse\/generations\/([^/]+)\/progress$/;

/** The Boards SSE payload for one event. */
export function progressPayload(event: GenerationEvent, storageUrl: string | null = event.generation.storageUrl) {
  const g = event.generation;
  const completed = g.status === "COMPLETED" && storageUrl;
  return {
    job_id: g.id,
    jobId: g.id,
    status: g.status.toLowerCase(),
    progress: g.progress,
    phase: event.phase,
    message: event.message,
    estimated_completion: null,
    artifacts: completed ? [{ url: storageUrl, type: g.artifactType.toLowerCase(), metadata: g.outputMetadata }] : [],
    timestamp: event.timestamp,
  };
}

export async function serveProgressSse(
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  ctx: ServiceContext,
  keepAliveMs: number,
  quota: SubscriptionQuota,
): Promise<void> {
  if (!ctx.viewer.user) {
    return sendJson(res, 401, { detail: "Authentication required" }, { "www-authenticate": "Bearer" });
  }
  const generation = isUuid(id) ? await ctx.loaders.generationById.load(id.toLowerCase()) : null;
  if (!generation || generation.tenantId !== ctx.viewer.tenantId) return sendJson(res, 404, { detail: "Generation not found" });
  const board = await ctx.loaders.boardById.load(generation.boardId);
  if (!board || !canReadBoard(await accessToBoard(ctx, board))) {
    return sendJson(res, 403, { detail: "You don't have permission to access this generation" });
  }

  const release = quota.acquire(ctx.viewer.user.id);
  if (!release) return sendJson(res, 429, { detail: quota.refusal });
  // However the response ends (completed, client gone, failed), its place is given back.
  res.once("close", release);
  const updates = await generationUpdates(ctx, generation.id);
  // A client that left while the stream was being set up has already been reported gone: no
  // "close" event would ever end this stream (nor release its subscription).
  if (res.destroyed || req.socket.destroyed) {
    await updates.return(undefined);
    return;
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
  const stop = () => void updates.return(undefined);
  res.on("close", stop);
  subscriptionsActive.inc({ transport: "progress_stream" });
  try {
    for await (const event of updates) {
      if (isStreamEnd(event)) {
        if (event.streamEnd === "events-interrupted") res.write(": live updates interrupted; reconnect for the current state\n\n");
        break;
      }
      const { storageUrl } = await artifactUrls(ctx, event.generation, board);
      res.write(`data: ${JSON.stringify(progressPayload(event, storageUrl))}\n\n`);
    }
  } finally {
    subscriptionsActive.dec({ transport: "progress_stream" });
    clearInterval(keepAlive);
    res.off("close", stop);
    res.end();
  }
}
