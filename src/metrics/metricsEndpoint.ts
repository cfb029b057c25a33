/**
 * GET /metrics: the process's registry in Prometheus text format, behind a bearer token when one
 * is configured. Served by the API on its own port, or by {@link startMetricsServer} on a port
 * of its own (the API's port then answers 404 for /metrics); a worker process serves it only
 * that way.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Env } from "../env.js";
import type { Logger } from "../logger.js";
import { collectProcessMetrics, registry } from "./metrics.js";

export const METRICS_PATH = "/metrics";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether the request carries `Bearer <token>`. Hashing both sides first makes the comparison
 * take the same time whatever the presented value's length and content.
 */
function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const presented = /^Bearer (.+)$/i.exec(header)?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

/** Answers a request for /metrics. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("Method not allowed\n");
    return;
  }
  if (token !== undefined && !authorized(req, token)) {
    res.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain; charset=utf-8" }).end("Unauthorized\n");
    return;
  }
  const body = await registry.metrics();
  res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

export type MetricsServer = { port: number; close: () => Promise<void> };

/**
 * Serves /metrics (only) on `host`:`port` (0: any free port, logged). Also turns on the process
 * metrics.
 * @throws when the port cannot be listened on.
 */
export async function startMetricsServer(options: { host: string; port: number; token: string | undefined; logger: Logger }): Promise<MetricsServer> {
  collectProcessMetrics();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== METRICS_PATH) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
      return;
    }
    serveMetrics(req, res, options.token).catch((err: unknown) => {
      options.logger.error({ err }, "could not collect metrics");
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => options.logger.error({ err }, "metrics server error"));
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port, path: METRICS_PATH, bearerRequired: options.token !== undefined }, "metrics listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * For a process entry point: the /metrics listener when BOARDS_METRICS_PORT is set (else
 * undefined). A port it cannot take ends the process at once, non-zero, saying which.
 */
export async function listenForMetrics(env: Env, logger: Logger): Promise<MetricsServer | undefined> {
  if (env.metrics.port === undefined) return undefined;
  try {
    return await startMetricsServer({ host: env.apiHost, port: env.metrics.port, token: env.metrics.token, logger });
  } catch (err) {
    logger.fatal({ err }, `cannot listen for metrics on ${env.apiHost} port ${env.metrics.port}`);
    process.exit(1);
  }
}
