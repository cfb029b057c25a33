/**
 * The pinned connection for a host that resolves to a public address. No public server is
 * reachable from tests, so node:http's global agent is wrapped: it records where the socket was
 * told to go (the `lookup` it was handed, asked the way Node asks it) and then connects to a
 * local server instead. The system resolver would send `pinned.invalid` nowhere.
 */
import http, { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safeFetch } from "./safeFetch.js";

type Lookup = (host: string, options: { all: boolean }, cb: (error: Error | null, addresses: unknown) => void) => void;

let origin: Server;
let port: number;
const socketsWentTo: unknown[] = [];
const agent = http.globalAgent as http.Agent & { createConnection: (options: { lookup?: Lookup; host?: string }) => unknown };
const original = agent.createConnection;

beforeAll(async () => {
  origin = createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("pinned"));
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  port = (origin.address() as AddressInfo).port;
  agent.createConnection = (options) => {
    if (options.lookup) options.lookup(options.host ?? "", { all: true }, (error, addresses) => socketsWentTo.push(error ?? addresses));
    else socketsWentTo.push("system resolver");
    return connect({ host: "127.0.0.1", port });
  };
});
afterAll(async () => {
  agent.createConnection = original;
  await new Promise<void>((resolve) => origin.close(() => resolve()));
});

describe("safeFetch pinning", () => {
  it("connects to the public address the guard vetted", async () => {
    const body = await safeFetch(
      `http://pinned.invalid:${port}/file`,
      { maxBytes: 1024, timeoutMs: 10_000, lookup: async () => [{ address: "93.184.216.34", family: 4 }] },
      async (chunks) => {
        let text = "";
        for await (const chunk of chunks) text += chunk.toString();
        return text;
      },
    );
    expect(body).toBe("pinned");
    expect(socketsWentTo).toEqual([[{ address: "93.184.216.34", family: 4 }]]);
  });

  it("matches trusted hosts regardless of letter case, as URLs lower-case them", async () => {
    socketsWentTo.length = 0;
    const body = await safeFetch(
      `http://files.internal:${port}/file`,
      { maxBytes: 1024, timeoutMs: 10_000, allowHosts: [`Files.Internal:${port}`], lookup: async () => [{ address: "127.0.0.1", family: 4 }] },
      async (chunks) => {
        let text = "";
        for await (const chunk of chunks) text += chunk.toString();
        return text;
      },
    );
    expect(body).toBe("pinned");
    expect(socketsWentTo).toEqual([[{ address: "127.0.0.1", family: 4 }]]);
  });
});
