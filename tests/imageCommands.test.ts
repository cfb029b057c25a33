/**
 * The commands the container image runs, run here exactly as written in the Dockerfile (CMD,
 * HEALTHCHECK) and compose.yaml (`command:`), from the project directory (the image's WORKDIR
 * holds the same layout) with a production configuration: the migrate command prepares an empty
 * server, the API answers its healthcheck, and a generation submitted to the API is run by the
 * worker command. No container runtime is involved; tests/deployFiles.test.ts checks the files.
 */
import { readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../scripts/freePort.js";
import { buildIfChanged } from "../src/cli/build.js";
import { signToken } from "./helpers/actors.js";
import { imageCommands, imageServices, serviceCommand } from "./helpers/deployFiles.js";
import { postGraphql } from "./helpers/launch.js";
import { startCommand, type MainProcess } from "./helpers/mainProcess.js";
import { TEST_JWT_SECRET } from "./helpers/server.js";

const root = fileURLToPath(new URL("..", import.meta.url));

const image = imageCommands();
const commands = Object.fromEntries(imageServices().map(([name, service]) => [name, serviceCommand(service, image)]));
const healthcheck = image.healthcheck!;

/** Builds dist/ (as the image's build stage does), as `npm start` does: only when sources changed. */
const buildIfStale = () => buildIfChanged(process.env, () => undefined);

async function adminQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Runs a command to its end; resolves with its exit code and output. */
async function runToEnd(argv: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = startCommand(argv, env);
  const { code } = await child.exited;
  return { code, output: child.output() };
}

let databaseUrl: string;
let serverUrl: string;
let databaseName: string;
let storageDir: string;
let env: Record<string, string>;
const running: MainProcess[] = [];

beforeAll(async () => {
  const shared = new URL(inject("databaseUrl"));
  databaseName = `${shared.pathname.slice(1)}_image`;
  const server = new URL(shared);
  server.pathname = "/postgres";
  serverUrl = server.toString();
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  const target = new URL(shared);
  target.pathname = `/${databaseName}`;
  databaseUrl = target.toString();
  storageDir = await mkdtemp(join(tmpdir(), "boards-image-"));
  const redisUrl = inject("redisUrl");
  env = {
    // As compose.yaml configures the image, with this machine's addresses.
    BOARDS_ENVIRONMENT: "production",
    BOARDS_LOG_LEVEL: "info",
    BOARDS_DATABASE_URL: databaseUrl,
    BOARDS_DATABASE_POOL_SIZE: "2",
    // Without Redis the API and the worker share no events; the test reads the result by query.
    ...(redisUrl ? { BOARDS_REDIS_URL: redisUrl } : {}),
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_API_HOST: "127.0.0.1",
    BOARDS_API_PORT: String(await freePort()),
    BOARDS_WORKER_IN_PROCESS: "false",
    BOARDS_WORKER_CONCURRENCY: "2",
    BOARDS_WORKER_POLL_INTERVAL_MS: "200",
    BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
  };
  await buildIfStale();
}, 240_000);

afterAll(async () => {
  for (const child of running) child.kill();
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await rm(storageDir, { recursive: true, force: true });
});

describe("the image's commands, run as the image runs them", () => {
  it("migrate: creates the missing database, applies every migration, seeds the default tenant, and can run again", async () => {
    const first = await runToEnd(commands.migrate!, env);
    expect(first.code, first.output).toBe(0);
    const wanted = readdirSync(join(root, "prisma", "migrations"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const applied = await adminQuery<{ migration_name: string }>(databaseUrl, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    expect(applied.map((r) => r.migration_name).sort()).toEqual(wanted.sort());
    expect(await adminQuery(databaseUrl, "SELECT slug FROM tenants")).toEqual([{ slug: "default" }]);

    // Every deploy runs it: with nothing to do it succeeds and changes nothing.
    const again = await runToEnd(commands.migrate!, env);
    expect(again.code, again.output).toBe(0);
    expect(await adminQuery(databaseUrl, "SELECT slug FROM tenants")).toEqual([{ slug: "default" }]);
  }, 120_000);

  it("api: the healthcheck fails while nothing listens, then passes once the API command runs", async () => {
    const before = await runToEnd(healthcheck, env);
    expect(before.code).not.toBe(0);

    const api = startCommand(commands.api!, env);
    running.push(api);
    await api.waitForLog((line) => line.msg === "boards-server listening");
    const after = await runToEnd(healthcheck, env);
    expect(after.code, after.output).toBe(0);
  }, 60_000);

  it("worker: runs the generation submitted to the API (which runs no jobs itself), and both stop cleanly on SIGTERM", async () => {
    const api = running[0]!;
    const worker = startCommand(commands.worker!, env);
    running.push(worker);
    await worker.waitForLog((line) => line.msg === "worker started");

    const url = `http://127.0.0.1:${env.BOARDS_API_PORT}`;
    const token = await signToken({ sub: "image-user", email: "image@example.com", name: "Image User" });
    const board = await postGraphql<{ createBoard: { id: string } }>(url, `mutation { createBoard(input: { title: "Image" }) { id } }`, {}, { token });
    expect(board.errors).toBeUndefined();
    const created = await postGraphql<{ createGeneration: { id: string } }>(
      url,
      `mutation($boardId: UUID!) { createGeneration(input: { boardId: $boardId, generatorName: "image-from-prompt", artifactType: IMAGE,
         inputParams: { prompt: "a fox", width: 64, height: 64 } }) { id } }`,
      { boardId: board.data!.createBoard.id },
      { token },
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createGeneration.id;

    let status = "PENDING";
    for (let i = 0; i < 150 && !["COMPLETED", "FAILED", "CANCELLED"].includes(status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const seen = await postGraphql<{ generation: { status: string } }>(url, `query($id: UUID!) { generation(id: $id) { status } }`, { id }, { token });
      status = seen.data?.generation.status ?? status;
    }
    expect(status).toBe("COMPLETED");
    // The worker process ran it: the API was started without a worker of its own.
    expect(api.logs.some((line) => line.worker === "external")).toBe(true);
    const [row] = await adminQuery<{ storage_key: string }>(databaseUrl, "SELECT storage_key FROM generations WHERE id = $1", [id]);
    expect(statSync(join(storageDir, row!.storage_key)).size).toBeGreaterThan(0);

    api.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    expect((await api.exited).code).toBe(0);
    expect((await worker.exited).code).toBe(0);
  }, 90_000);
});
