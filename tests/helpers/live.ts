/**
 * Clients for the live transports, for suites that check who may subscribe and when a
 * subscription ends: GraphQL over SSE (graphql-sse), GraphQL over WebSocket (graphql-ws), and
 * Boards' progress stream (raw SSE). Every wait is bounded.
 */
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import WebSocket from "ws";
import type { TestServer } from "./server.js";

const WAIT_MS = 12_000;

export type GqlEvent<T = Record<string, unknown>> = {
  data?: T | null;
  errors?: ReadonlyArray<{ message: string; extensions?: { readonly [key: string]: unknown } }>;
};

export type Drained<T> = {
  results: Array<GqlEvent<T>>;
  /** The server completed the operation. */
  completed: boolean;
  /** What the iterator threw (graphql-ws throws the errors of an `error` message). */
  thrown?: unknown;
};

/**
 * Reads results until the operation completes, `until` holds (then unsubscribes) or the
 * iterator throws; fails after a bounded wait with what arrived so far.
 */
export async function drain<T>(
  iterator: AsyncIterator<GqlEvent<T>>,
  options: { until?: (results: Array<GqlEvent<T>>) => boolean; timeoutMs?: number } = {},
): Promise<Drained<T>> {
  const results: Array<GqlEvent<T>> = [];
  const deadline = Date.now() + (options.timeoutMs ?? WAIT_MS);
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()))));
    let next: IteratorResult<GqlEvent<T>> | "timeout";
    try {
      next = await Promise.race([iterator.next(), timeout]);
    } catch (thrown) {
      return { results, completed: false, thrown };
    } finally {
      clearTimeout(timer);
    }
    if (next === "timeout") {
      void iterator.return?.();
      throw new Error(`subscription did not end; received so far: ${JSON.stringify(results)}`);
    }
    if (next.done) return { results, completed: true };
    results.push(next.value);
    if (options.until?.(results)) {
      await iterator.return?.();
      return { results, completed: false };
    }
  }
}

/** Every error a drained operation reported, thrown or in results. */
export function errorsOf(drained: Drained<unknown>): Array<{ message: string; extensions?: { readonly [key: string]: unknown } }> {
  if (Array.isArray(drained.thrown)) return drained.thrown as Array<{ message: string; extensions?: Record<string, unknown> }>;
  return drained.results.flatMap((r) => [...(r.errors ?? [])]);
}

/** A GraphQL subscription over SSE with these request headers. */
export function sseSubscribe<T>(server: TestServer, headers: Record<string, string>, query: string, variables: Record<string, unknown>) {
  const client = createSseClient({ url: `${server.url}/graphql`, headers, fetchFn: fetch, retryAttempts: 0 });
  return client.iterate<T>({ query, variables });
}

/** A graphql-ws client sending `connectionParams`; dispose it when done. */
export function wsClient(server: Pick<TestServer, "url">, connectionParams: Record<string, string>): WsClient {
  return createWsClient({ url: `${server.url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

/** One block of an SSE stream: a `data:` event (its JSON and raw text) or a `:` comment. */
export type SseFrame = { kind: "data"; payload: Record<string, unknown>; raw: string } | { kind: "comment"; text: string };

export type ProgressStream = {
  response: Response;
  status: number;
  /** Every block so far, keep-alive comments included. */
  frames: SseFrame[];
  /** JSON bodies of the `data:` events so far. */
  readonly payloads: Array<Record<string, unknown>>;
  closed(): boolean;
  /** Waits (bounded) until `predicate` holds. */
  waitUntil(predicate: () => boolean, what: string): Promise<void>;
  close(): void;
};

function parseBlock(block: string): SseFrame {
  if (block.startsWith(":")) return { kind: "comment", text: block.slice(1).trim() };
  const match = /^data: (.*)$/.exec(block);
  if (!match) throw new Error(`unexpected SSE block ${JSON.stringify(block)}`);
  return { kind: "data", payload: JSON.parse(match[1]!) as Record<string, unknown>, raw: block };
}

/**
 * Opens GET /api/sse/generations/{id}/progress and collects its blocks in the background,
 * strictly: a malformed or unterminated block is recorded as a READ ERROR comment.
 */
export async function openProgressStream(server: Pick<TestServer, "fetch">, id: string, headers: Record<string, string>): Promise<ProgressStream> {
  const controller = new AbortController();
  const response = await server.fetch(`/api/sse/generations/${id}/progress`, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  let closed = false;
  let wake: () => void = () => undefined;
  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          frames.push(parseBlock(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
        wake();
      }
      if (buffer !== "") throw new Error(`unterminated SSE block ${JSON.stringify(buffer)}`);
    } catch (error) {
      if (!controller.signal.aborted) frames.push({ kind: "comment", text: `READ ERROR ${String(error)}` });
    } finally {
      closed = true;
      wake();
    }
  })();
  return {
    response,
    status: response.status,
    frames,
    get payloads() {
      return frames.flatMap((f) => (f.kind === "data" ? [f.payload] : []));
    },
    closed: () => closed,
    async waitUntil(predicate, what) {
      const deadline = Date.now() + WAIT_MS;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close: () => controller.abort(),
  };
}
