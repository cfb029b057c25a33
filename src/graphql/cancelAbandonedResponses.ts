/**
 * A response made for a client that has already gone. The Node adapter sends nothing to a
 * closed connection, and nothing else ever reads or cancels the body: a subscription's stream
 * would keep its event subscription (and its keep-alive timer) for as long as the process runs.
 */
import type { Plugin } from "graphql-yoga";

/** Cancels the body of every response whose request was aborted before it was ready. */
export function useCancelAbandonedResponses(): Plugin {
  return {
    onResponse({ request, response }) {
      if (!request.signal.aborted || !response.body || response.bodyUsed) return;
      // Yoga's streams set up their source on the first read (they start with a keep-alive or
      // a boundary, so it comes at once); cancelled unread, their source is never closed.
      const reader = response.body.getReader();
      void reader
        .read()
        .then(() => reader.cancel())
        .catch(() => undefined);
    },
  };
}
