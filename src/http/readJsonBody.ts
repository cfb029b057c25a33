import type { IncomingMessage } from "node:http";

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; detail: string };

/**
 * Reads a JSON request body of at most `maxBytes`. Requires `Content-Type: application/json`,
 * which also makes a cross-site browser request need a CORS preflight. On 413 the rest of the
 * body is left unread: answer with `Connection: close`.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") return Promise.resolve({ ok: false, status: 415, detail: "Content-Type must be application/json" });
  const tooLarge: JsonBody = { ok: false, status: 413, detail: `Request body exceeds ${maxBytes} bytes` };
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(tooLarge);

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: JsonBody) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.pause();
      finish(tooLarge);
    };
    const onEnd = () => {
      try {
        finish({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown });
      } catch {
        finish({ ok: false, status: 400, detail: "Invalid JSON body" });
      }
    };
    const onError = () => finish({ ok: false, status: 400, detail: "Could not read the request body" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}
