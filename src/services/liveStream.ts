/**
 * The plumbing every live stream shares (a generation's, a board's, a credit account's): ending
 * it when its subscriber loses the right to it or the server stops, closing it at once when the
 * subscriber leaves, and releasing what is open when opening fails half-way.
 */
import type { ServiceContext } from "../context.js";
import { onDeadline } from "../lib/onDeadline.js";
import { createLoaders } from "../loaders.js";
import { readableBoard } from "./boardAccess.js";

/** The last item of a stream whose subscriber lost the right to it, and why. */
export type StreamEnd = { readonly streamEnd: "credential-expired" | "access-revoked" | "events-interrupted" };

/** Whether `event` is the end-of-stream marker rather than an event. */
export function isStreamEnd<T extends object>(event: T | StreamEnd): event is StreamEnd {
  return "streamEnd" in event;
}

/**
 * Ends a stream when its subscriber loses the right to it: at the credential's expiry, and, for
 * a board's events (`boardId`), when an access change of the board leaves the viewer unable to
 * read it (checked against the database afresh: the request's loaders still hold the board as
 * it was). A stopping server ends it too, without a last item.
 */
export function guardStream(ctx: ServiceContext, boardId?: string) {
  let reason: StreamEnd["streamEnd"] | "server-stopping" | null = null;
  let subscription: { close: () => void } | null = null;
  const end = (why: StreamEnd["streamEnd"] | "server-stopping") => {
    reason ??= why;
    subscription?.close();
  };
  const cancelDeadline = onDeadline(ctx.viewer.expiresAt, () => end("credential-expired"));
  const release = ctx.liveStreams?.add(() => end("server-stopping"));
  const watchBoard = (id: string) => ({
    boardId: id,
    onAccessChange: () => {
      readableBoard({ ...ctx, loaders: createLoaders(ctx.prisma, ctx.viewer) }, id).then(
        (board) => {
          if (!board) end("access-revoked");
        },
        (err: unknown) => ctx.logger.warn({ err, boardId: id }, "could not re-check board access of a live stream"),
      );
    },
  });
  return {
    /** What the event bus should watch for this stream (a board's access changes), if anything. */
    watch: boardId === undefined ? undefined : watchBoard(boardId),
    /** Hands over the subscription to close (a change may have ended the stream already). */
    attach(s: { close: () => void }) {
      subscription = s;
      if (reason) s.close();
    },
    /** The last item to send, if any: a stopping server ends the stream without one. */
    ending: (): StreamEnd | null => (reason && reason !== "server-stopping" ? { streamEnd: reason } : null),
    /** Ends the guard's watch (idempotent). */
    cancel: () => {
      cancelDeadline();
      release?.();
    },
  };
}

/**
 * The stream with a `return()` that takes effect at once: a plain async generator waiting for
 * the next event would only see `return()` after that event arrived, holding the subscription
 * open for as long as the stream stays quiet.
 */
export function closingAtOnce<T>(stream: AsyncGenerator<T>, close: () => void): AsyncGenerator<T> {
  const wrapped: AsyncGenerator<T> = {
    next: (...args) => stream.next(...args),
    return: (value) => {
      close();
      return stream.return(value);
    },
    throw: (error) => {
      close();
      return stream.throw(error);
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}

/**
 * Awaits a step of opening a stream; if it fails, `undo` releases what is open so far (the
 * stream's own cleanup will never run).
 */
export async function guarded<T>(undo: () => void, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    undo();
    throw error;
  }
}
