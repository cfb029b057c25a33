/** Small pieces the provider fakes share: reading a request and recording what it carried. */
import type { IncomingMessage } from "node:http";

/** One request as a fake received it; multipart bodies are listed as fields and file sizes. */
export type RecordedRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
};

/** Reads the whole body and records the request (JSON parsed, multipart summarised). */
export async function recordRequest(req: IncomingMessage): Promise<RecordedRequest & { raw: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const url = new URL(req.url ?? "/", "http://fake");
  const type = req.headers["content-type"] ?? "";
  let body: unknown = raw.length ? raw.toString("utf8") : undefined;
  if (type.includes("json") && raw.length) body = JSON.parse(raw.toString("utf8"));
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": type } }).formData();
    const fields: Record<string, unknown> = {};
    for (const [name, value] of form.entries()) {
      fields[name] = typeof value === "string" ? value : { filename: value.name, size: value.size, type: value.type };
    }
    body = fields;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return { method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, raw };
}
