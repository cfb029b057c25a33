/**
 * `npm start`'s orchestrator (scripts/start.ts) without a database URL: it runs an embedded
 * PostgreSQL from `./.boards/postgres` of its working directory, serves the API on it, stops both
 * on SIGTERM, and a second start with nothing changed goes straight to the API. Production
 * without a URL refuses to start.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startMainProcess, type MainProcess } from "./helpers/mainProcess.js";
import { TEST_JWT_SECRET } from "./helpers/launch.js";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const orchestrator = join(projectRoot, "scripts", "start.ts");
const workDir = mkdtempSync(join(tmpdir(), "boards-embedded-"));
// Run as root, PostgreSQL runs as the postgres user, which must be able to reach the data.
chmodSync(workDir, 0o755);
const dataDir = join(workDir, ".boards", "postgres");
const children: MainProcess[] = [];

const apiEnv = { BOARDS_API_HOST: "127.0.0.1", BOARDS_API_PORT: "0", BOARDS_LOG_LEVEL: "info" };

/** The orchestrator's own progress lines ("boards: …"), in order. */
function progressLines(main: MainProcess): string[] {
  return main
    .output()
    .split("\n")
    .filter((line) => line.startsWith("boards: "));
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function serveAndStop(): Promise<{ progress: string[]; postgresPort: number }> {
  const main = startMainProcess(apiEnv, orchestrator, workDir);
  children.push(main);
  const port = (await main.waitForLog((line) => line.msg === "boards-server listening")).port as number;
  const postgresPort = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[3]);

  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(health.status).toBe(200);
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ me { id } }" }),
  });
  const body = (await response.json()) as { data?: { me?: { id?: string } } };
  expect(body.data?.me?.id).toEqual(expect.any(String));

  const password = readFileSync(join(workDir, ".boards", "postgres.password"), "utf8").trim();
  const db = new pg.Client({ connectionString: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${postgresPort}/boards_dev` });
  await db.connect();
  try {
    expect((await db.query("SELECT slug FROM tenants")).rows).toEqual([{ slug: "default" }]);
  } finally {
    await db.end();
  }

  main.child.kill("SIGTERM");
  expect(await main.exited).toEqual({ code: 0, signal: null });
  expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false);
  expect(await portAccepts(postgresPort)).toBe(false);
  return { progress: progressLines(main), postgresPort };
}

afterAll(async () => {
  for (const child of children) child.kill();
  // A failed test may leave the cluster running: stop its postmaster (SIGINT = fast shutdown).
  const pidFile = join(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT");
    for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  rmSync(workDir, { recursive: true, force: true });
});

describe("npm start without a database URL", () => {
  it("creates and runs an embedded PostgreSQL, serves the API on it, and stops both on SIGTERM", { timeout: 240_000 }, async () => {
    // Forces a build on this first start, so the second one shows that it skips it.
    rmSync(join(projectRoot, "dist", ".build-stamp"), { force: true });
    const first = await serveAndStop();
    expect(first.progress).toEqual([
      "boards: creating the embedded PostgreSQL cluster in .boards/postgres (first run)",
      expect.stringMatching(/^boards: database: embedded PostgreSQL in \.boards\/postgres, postgresql:\/\/postgres@127\.0\.0\.1:\d+\/boards_dev \(started;/),
      expect.stringMatching(/^boards: applying \d+ migrations…$/),
      expect.stringMatching(/^boards: migrations applied/),
      "boards: building (sources changed since the last build)…",
      expect.stringMatching(/^boards: built/),
      expect.stringMatching(/^boards: ready in .*, starting the API$/),
    ]);
    const password = readFileSync(join(workDir, ".boards", "postgres.password"), "utf8").trim();
    expect(first.progress.join("\n")).not.toContain(password);
  });

  it("starts again with nothing changed without running initdb, the migrate CLI or the build", { timeout: 120_000 }, async () => {
    const second = await serveAndStop();
    expect(second.progress).toEqual([
      expect.stringMatching(/^boards: database: embedded PostgreSQL in \.boards\/postgres, .*\(started;/),
      expect.stringMatching(/^boards: ready in .*, starting the API$/),
    ]);
  });

  it("refuses to start in production and names the variable to set", { timeout: 60_000 }, async () => {
    const productionDir = mkdtempSync(join(tmpdir(), "boards-embedded-production-"));
    try {
      const main = startMainProcess(
        { ...apiEnv, BOARDS_ENVIRONMENT: "production", BOARDS_AUTH_PROVIDER: "jwt", BOARDS_JWT_SECRET: TEST_JWT_SECRET },
        orchestrator,
        productionDir,
      );
      children.push(main);
      expect((await main.exited).code).toBe(1);
      expect(main.output()).toContain("BOARDS_ENVIRONMENT=production requires BOARDS_DATABASE_URL (or DATABASE_URL)");
      expect(existsSync(join(productionDir, ".boards"))).toBe(false);
    } finally {
      rmSync(productionDir, { recursive: true, force: true });
    }
  });
});
