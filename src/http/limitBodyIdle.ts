/**
 * A body that stops arriving: Node's own limits cover the headers and the whole request, but a
 * request timeout long enough for a large upload over a slow link would let a client that
 * stalls mid-body hold its connection (and its spooled files) for just as long.
 */
import type { IncomingMessage } from "node:http";

/**
 * Closes the connection of `req` when its body makes no progress (no byte read from the
 * connection) for `idleMs`, until the body is complete. Checked a few times per period, so the
 * cut comes within `idleMs` and a quarter more. Bytes count as progress even while the server
 * itself is not reading them yet.
 */
export function limitBodyIdle(req: IncomingMessage, idleMs: number): void {
  const socket = req.socket;
  let seen = socket.bytesRead;
  let lastProgress = Date.now();
  const timer = setInterval(
    () => {
      if (req.complete || socket.destroyed) return stop();
      if (socket.bytesRead !== seen) {
        seen = socket.bytesRead;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress >= idleMs) {
        stop();
        socket.destroy();
      }
    },
    Math.max(10, Math.floor(idleMs / 4)),
  );
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    req.off("close", stop);
  };
  req.once("close", stop);
}
