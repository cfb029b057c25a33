/**
 * A fake OpenAI API: images.generate, audio.transcriptions (multipart) and audio.speech, answering
 * synchronously after `delayMs`, with OpenAI's error bodies ({error:{message,type,code}}).
 */
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeFileFor, rehostUrls } from "./fakeMedia.js";
import { recordRequest, type RecordedRequest } from "./fakeHttp.js";

export type OpenAIFakeOptions = {
  delayMs: number;
  outcome: "success" | "validation" | "policy" | "insufficient_credits" | "error";
  rateLimitFirst: number;
  serverErrorFirst: number;
};

const fixture = JSON.parse(readFileSync(new URL("../fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as {
  providerResults: { full: { openai: { data: unknown[]; text: string } } };
};

function error(res: ServerResponse, status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

/** Starts the fake on a free port. */
export async function startOpenAIFake(initial: Partial<OpenAIFakeOptions> = {}) {
  const options: OpenAIFakeOptions = { delayMs: 30, outcome: "success", rateLimitFirst: 0, serverErrorFirst: 0, ...initial };
  const requests: RecordedRequest[] = [];
  let origin = "";
  const server = createServer((req, res) => {
    void (async () => {
      const { raw: _raw, ...recorded } = await recordRequest(req);
      requests.push(recorded);
      if (recorded.path.startsWith("/files/")) {
        const file = await fakeFileFor(recorded.path);
        res.writeHead(200, { "content-type": file.contentType, "content-length": String(file.bytes.length) });
        res.end(file.bytes);
        return;
      }
      if (options.rateLimitFirst > 0) {
        options.rateLimitFirst--;
        return error(res, 429, "Rate limit reached for requests", "requests", "rate_limit_exceeded", { "retry-after": "0" });
      }
      if (options.serverErrorFirst > 0) {
        options.serverErrorFirst--;
        return error(res, 503, "The server is overloaded", "server_error", null);
      }
      if (recorded.headers.authorization !== "Bearer sk-test") return error(res, 401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key");
      await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      switch (options.outcome) {
        case "validation":
          return error(res, 400, "Invalid size: must be one of 1024x1024", "invalid_request_error", null);
        case "policy":
          return error(res, 400, "Your request was rejected as a result of our safety system.", "invalid_request_error", "content_policy_violation");
        case "insufficient_credits":
          return error(res, 429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota");
        case "error":
          return error(res, 500, "The server had an error while processing your request.", "server_error", null);
      }
      const full = rehostUrls(fixture.providerResults.full.openai, origin);
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && recorded.path === "/v1/images/generations") return res.end(JSON.stringify({ created: Math.floor(Date.now() / 1000), data: full.data }));
      if (req.method === "POST" && recorded.path === "/v1/audio/transcriptions") return res.end(JSON.stringify({ text: full.text }));
      if (req.method === "POST" && recorded.path === "/v1/audio/speech") {
        const audio = await fakeFileFor("speech.wav");
        res.writeHead(200, { "content-type": "audio/wav" });
        return res.end(audio.bytes);
      }
      error(res, 404, "Unknown request URL", "invalid_request_error", "unknown_url");
    })().catch(() => {
      if (!res.headersSent) error(res, 500, "fake failed", "server_error", null);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    options,
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
