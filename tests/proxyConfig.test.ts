/**
 * deploy/nginx.conf, the proxy of compose.yaml, run by a real nginx in front of a real API:
 * live updates pass through it over WebSocket (upgrade headers) and over GraphQL SSE (the first
 * event arriving while the generation still runs), and the proxy's request id reaches the API. The
 * file is used as written except its two addresses (Docker's `api:8088` and port 8080), which
 * become this machine's. Skipped where nginx is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { freePort } from "../scripts/freePort.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { projectText } from "./helpers/deployFiles.js";
import { launchServer, type TestServer } from "./helpers/launch.js";
import { drain, sseSubscribe, wsClient, type GqlEvent } from "./helpers/live.js";
import { privateDatabase } from "./helpers/privateDatabase.js";

const nginx = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].find(existsSync) ?? (spawnSync("nginx", ["-v"]).status === 0 ? "nginx" : undefined);

const PROGRESS = `subscription($id: UUID!) { generationProgress(id: $id) { phase generation { id status } } }`;
type ProgressData = { generationProgress: { phase: string; generation: { id: string; status: string } } };

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => (socket.end(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}

describe.skipIf(!nginx)("deploy/nginx.conf in front of the API", () => {
  let database: ThrowawayDatabase;
  let api: TestServer;
  let dir: string;
  let proxy: ChildProcess;
  let proxied: { url: string };
  let token: string;
  let boardId: string;

  beforeAll(async () => {
    database = await privateDatabase("proxy");
    api = await launchServer(database.url, {}, { worker: true });
    dir = await mkdtemp(join(tmpdir(), "boards-nginx-"));
    const port = await freePort();
    const config = projectText("deploy/nginx.conf");
    const local = config.replace("http://api:8088", api.url).replace("listen 8080;", `listen 127.0.0.1:${port};`);
    expect(local).not.toBe(config);
    writeFileSync(join(dir, "nginx.conf"), local);
    proxy = spawn(nginx!, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", `daemon off; pid ${join(dir, "nginx.pid")}; error_log ${join(dir, "error.log")};`], {
      stdio: "ignore",
    });
    await waitForPort(port);
    proxied = { url: `http://127.0.0.1:${port}` };
    token = await signToken({ sub: "proxy-user" });
    const board = await api.gql<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "Proxy" }) { id } }`, {}, { token });
    boardId = board.data!.createBoard.id;
  }, 60_000);

  afterAll(async () => {
    proxy?.kill("SIGTERM");
    await api?.close();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A generation that runs for about two seconds, reporting progress on the way. */
  async function slowGeneration(): Promise<string> {
    const created = await api.gql<{ createGeneration: { id: string } }>(
      `mutation($boardId: UUID!) { createGeneration(input: { boardId: $boardId, generatorName: "image-from-prompt", artifactType: IMAGE,
         inputParams: { prompt: "proxy", width: 64, height: 64, delay_ms: 2000, progress_steps: 4 } }) { id } }`,
      { boardId },
      { token },
    );
    expect(created.errors).toBeUndefined();
    return created.data!.createGeneration.id;
  }

  const statusOf = async (id: string) => (await api.prisma.generation.findUniqueOrThrow({ where: { id } })).status;

  it("forwards its request id to the API, which answers with it", async () => {
    const response = await fetch(`${proxied.url}/health`);
    expect(response.status).toBe(200);
    // nginx's $request_id: 32 hex digits (the API would make a UUID of its own).
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("delivers GraphQL SSE events as they happen", async () => {
    const id = await slowGeneration();
    const iterator = sseSubscribe<ProgressData>(proxied, { authorization: `Bearer ${token}` }, PROGRESS, { id })[Symbol.asyncIterator]();
    const first = await iterator.next();
    // The current state comes first, while the generation is still running.
    const statusWhenFirstArrived = await statusOf(id);
    expect((first.value as GqlEvent<ProgressData>).data?.generationProgress.generation.id).toBe(id);
    expect(["PENDING", "PROCESSING"]).toContain(statusWhenFirstArrived);
    const rest = await drain(iterator);
    expect(rest.completed).toBe(true);
    expect(rest.results.at(-1)?.data?.generationProgress.generation.status).toBe("COMPLETED");
  }, 30_000);

  it("carries a graphql-ws subscription over WebSocket", async () => {
    const id = await slowGeneration();
    const client = wsClient(proxied, { Authorization: `Bearer ${token}` });
    try {
      const drained = await drain(client.iterate<ProgressData>({ query: PROGRESS, variables: { id } }));
      expect(drained.thrown).toBeUndefined();
      expect(drained.completed).toBe(true);
      expect(drained.results.at(-1)?.data?.generationProgress.generation.status).toBe("COMPLETED");
    } finally {
      await client.dispose();
    }
  }, 30_000);
});
