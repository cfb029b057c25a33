/**
 * A graphql-ws (graphql-transport-ws) connection driven message by message, for suites that
 * assert the exact protocol messages the server sends: which operation got `next`, `error` or
 * `complete`, and whether the socket is still open. Every wait is bounded.
 */
import WebSocket from "ws";
import type { TestServer } from "./server.js";

const WAIT_MS = 12_000;

export type ProtocolMessage = {
  type: string;
  id?: string;
  payload?: unknown;
};

export type RawGraphQLSocket = {
  /** Every message received so far, in order. */
  messages: ProtocolMessage[];
  /** The close code and reason, once the socket closed. */
  closed: { code: number; reason: string } | null;
  /** Sends `connection_init` and waits for `connection_ack`. */
  init(payload: Record<string, unknown>): Promise<void>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Tells the server the client is done with operation `id`. */
  complete(id: string): void;
  /** Waits for the first message of operation `id` (of `type`, when given) not yet taken, and takes it. */
  take(id: string, type?: string): Promise<ProtocolMessage>;
  /** Waits until the server has closed the socket. */
  waitClosed(): Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
};

/** Opens a WebSocket to the server's /graphql with the graphql-transport-ws subprotocol. */
export async function openRawSocket(server: TestServer): Promise<RawGraphQLSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
  const messages: ProtocolMessage[] = [];
  const taken = new Set<ProtocolMessage>();
  let wake: () => void = () => undefined;
  const socket: RawGraphQLSocket = {
    messages,
    closed: null,
    async init(payload) {
      ws.send(JSON.stringify({ type: "connection_init", payload }));
      await waitFor(() => messages.find((m) => m.type === "connection_ack"), "connection_ack");
    },
    subscribe(id, query, variables) {
      ws.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables } }));
    },
    complete(id) {
      ws.send(JSON.stringify({ id, type: "complete" }));
    },
    async take(id, type) {
      const message = await waitFor(() => messages.find((m) => !taken.has(m) && m.id === id && (type === undefined || m.type === type)), `${type ?? "a message"} for ${id}`);
      taken.add(message);
      return message;
    },
    waitClosed: () => waitFor(() => socket.closed ?? undefined, "the socket to close"),
    async close() {
      if (socket.closed) return;
      ws.close();
      await socket.waitClosed();
    },
  };

  async function waitFor<T>(found: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(messages)}, closed: ${JSON.stringify(socket.closed)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  ws.on("message", (data) => {
    messages.push(JSON.parse(String(data)) as ProtocolMessage);
    wake();
  });
  ws.on("close", (code, reason) => {
    socket.closed = { code, reason: String(reason) };
    wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return socket;
}
