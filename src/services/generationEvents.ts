/**
 * Live generation updates for subscribers (GraphQL subscriptions and the SSE endpoint). A
 * subscriber first gets the current state, then every change; the event subscription is opened
 * before the state is read, so nothing that happens in between is lost.
 *
 * A stream lives no longer than the right to see it: when the viewer's token expires, or the
 * viewer can no longer read the board (removed as a member, the board made private or deleted),
 * the stream sends a {@link StreamEnd} and ends, whichever transport carries it. When the API
 * process stops, its streams simply complete (see LiveStreams).
 *
 * When the event bus goes away (Redis lost), events may be missed, so a stream does not go on
 * as if nothing happened: a generation's stream sends its current state from the database (and
 * completes if that is terminal), and otherwise, like a board's stream, ends with an
 * `events-interrupted` StreamEnd. Subscribing again starts over with the current state.
 */
import { canReadBoard } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { notFound } from "../errors.js";
import { fromSnapshot, TERMINAL_STATUSES, toSnapshot, type GenerationEvent } from "../events.js";
import { accessToBoard } from "./boardAccess.js";
import { getGeneration } from "./generations.js";
import { closingAtOnce, guarded, guardStream, type StreamEnd } from "./liveStream.js";

export type LiveEvent = GenerationEvent | StreamEnd;

function currentState(generation: Parameters<typeof toSnapshot>[0]): GenerationEvent {
  const phase = generation.status === "PENDING" ? "queued" : TERMINAL_STATUSES.has(generation.status) ? "finalizing" : "processing";
  return { generation: toSnapshot(generation), phase, message: generation.errorMessage, timestamp: new Date().toISOString() };
}

/**
 * Events of one generation the viewer may read: its current state, then each change; ends
 * after a terminal state.
 * @throws NOT_FOUND when the generation does not exist or is not readable.
 */
export async function generationUpdates(ctx: ServiceContext, id: string): Promise<AsyncGenerator<LiveEvent>> {
  const generation = await getGeneration(ctx, id);
  if (!generation) throw notFound("Generation not found");
  const guard = guardStream(ctx, generation.boardId);
  const subscription = await guarded(guard.cancel, ctx.events.subscribe("generation", id, guard.watch));
  guard.attach(subscription);
  const closeAll = () => {
    subscription.close();
    guard.cancel();
  };
  const current = await guarded(closeAll, ctx.prisma.generation.findUnique({ where: { id } }));
  async function* stream(): AsyncGenerator<LiveEvent> {
    try {
      if (!current) return;
      yield currentState(current);
      if (TERMINAL_STATUSES.has(current.status)) return;
      let lastUpdate = current.updatedAt.getTime();
      for await (const event of subscription.events) {
        // Events published before our read of the row are already reflected in it.
        if (new Date(event.generation.updatedAt).getTime() < lastUpdate) continue;
        lastUpdate = new Date(event.generation.updatedAt).getTime();
        yield event;
        if (TERMINAL_STATUSES.has(event.generation.status)) return;
      }
      const ending = guard.ending();
      if (ending) {
        yield ending;
        return;
      }
      if (!subscription.interrupted()) return;
      // Events may have been missed: the row says where the generation is now.
      const latest = await ctx.prisma.generation.findUnique({ where: { id } });
      if (latest && latest.updatedAt.getTime() > lastUpdate) yield currentState(latest);
      if (!latest || TERMINAL_STATUSES.has(latest.status)) return;
      yield { streamEnd: "events-interrupted" };
    } finally {
      guard.cancel();
      subscription.close();
    }
  }
  return closingAtOnce(stream(), closeAll);
}

/**
 * Every generation event on a board the viewer may read, until the subscriber leaves.
 * @throws NOT_FOUND when the board does not exist or is not readable.
 */
export async function boardUpdates(ctx: ServiceContext, boardId: string): Promise<AsyncGenerator<LiveEvent>> {
  const board = await ctx.loaders.boardById.load(boardId);
  if (!board || !canReadBoard(await accessToBoard(ctx, board))) throw notFound("Board not found");
  const guard = guardStream(ctx, boardId);
  const subscription = await guarded(guard.cancel, ctx.events.subscribe("board", boardId, guard.watch));
  guard.attach(subscription);
  async function* stream(): AsyncGenerator<LiveEvent> {
    try {
      yield* subscription.events;
      const ending = guard.ending();
      if (ending) yield ending;
      else if (subscription.interrupted()) yield { streamEnd: "events-interrupted" };
    } finally {
      guard.cancel();
      subscription.close();
    }
  }
  return closingAtOnce(stream(), () => {
    subscription.close();
    guard.cancel();
  });
}

export { fromSnapshot };
export { isStreamEnd, type StreamEnd } from "./liveStream.js";
