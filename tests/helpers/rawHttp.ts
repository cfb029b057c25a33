/**
 * HTTP requests that fetch cannot make: a body sent without Content-Length (chunked), or a
 * request whose headers announce a body that is never sent.
 */
import { request, type IncomingHttpHeaders } from "node:http";

export type RawResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
};

export type RawRequestOptions = {
  method?: string;
  headers?: Record<string, string | number>;
  /** Written with `Transfer-Encoding: chunked` unless `headers` sets a Content-Length. */
  body?: string;
  /**
   * Send only the request line and headers, then wait for the response without ever sending
   * the body (for a server that must answer from the headers alone).
   */
  headersOnly?: boolean;
};

/** One request to `url` over a fresh connection; resolves with the whole response. */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (options.headersOnly) req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    req.on("error", reject);
    if (options.headersOnly) {
      req.flushHeaders();
      return;
    }
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
