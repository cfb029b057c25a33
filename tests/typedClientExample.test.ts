/**
 * The typed client example (examples/typed-client) stays in step with schema.graphql: its
 * types are generated and checked here, and it runs its whole flow (board, generation, progress
 * subscription, download) against a real server with a job worker.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { startMainProcess } from "./helpers/mainProcess.js";
import { readGeneration, startIsolatedServer } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

const run = promisify(execFile);
const projectRoot = new URL("..", import.meta.url);

let server: TestServer;
let alice: Actor;
let typecheck: { ok: boolean; output: string };

beforeAll(async () => {
  // The generated code is not committed: generate it, then type-check the example (strict).
  // Both tests need it, so it runs once here and each test asserts its outcome.
  typecheck = await run("npm", ["run", "--silent", "example:typecheck"], { cwd: projectRoot, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ ok: true, output: `${stdout}${stderr}` }),
    (error: Error & { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.message}\n${error.stdout ?? ""}${error.stderr ?? ""}` }),
  );
  server = await startIsolatedServer({}, { worker: true });
  alice = await (await newTenant(server)).user("alice");
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe("typed client example", () => {
  it("generates its types from schema.graphql and type-checks", () => {
    expect(typecheck.ok, typecheck.output).toBe(true);
  });

  it("creates a board, follows a generation to COMPLETED and downloads its PNG", async () => {
    expect(typecheck.ok, typecheck.output).toBe(true);
    const example = startMainProcess(
      { BOARDS_API_URL: server.url, BOARDS_TOKEN: alice.token, BOARDS_TENANT: alice.tenant },
      "examples/typed-client/src/main.ts",
    );
    // 'exit' may come before the last output is read; 'close' comes after both.
    const closed = once(example.child, "close");
    try {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 60_000)));
      const outcome = await Promise.race([closed, gaveUp]);
      clearTimeout(timer);
      const output = example.output();
      expect(outcome, `the example did not finish:\n${output}`).not.toBe("timeout");
      expect(example.child.exitCode, output).toBe(0);

      const boardId = /^board: (\S+) \(Typed client example\)$/m.exec(output)?.[1];
      const generationId = /^generation: (\S+) \w+$/m.exec(output)?.[1];
      expect(boardId, output).toBeDefined();
      expect(generationId, output).toBeDefined();

      // Progress: the current state first, never backwards, the last line the completed state.
      const progress = [...output.matchAll(/^progress: ([\d.]+)% (\w+) /gm)].map((match) => ({ percent: Number(match[1]), status: match[2] }));
      expect(progress.length, output).toBeGreaterThan(0);
      expect(progress.at(-1)).toEqual({ percent: 100, status: "COMPLETED" });
      expect(progress.map((line) => line.percent)).toEqual(progress.map((line) => line.percent).sort((a, b) => a - b));
      expect(output).toMatch(/^status: COMPLETED$/m);

      // What the example printed is what the API holds for that user.
      const board = await alice.ok<{ board: { id: string; title: string } | null }>(`query($id: UUID!) { board(id: $id) { id title } }`, { id: boardId });
      expect(board.board).toEqual({ id: boardId, title: "Typed client example" });
      const generation = await readGeneration(alice, generationId!);
      expect(generation).toMatchObject({ boardId, status: "COMPLETED", generatorName: "image-from-prompt" });

      const fileUrl = /^file: (\S+)$/m.exec(output)?.[1];
      expect(fileUrl, output).toBeDefined();
      expect(new URL(fileUrl!).pathname).toBe(new URL(generation!.storageUrl!).pathname);
      const downloaded = /^downloaded: (\d+) bytes, image\/png, PNG signature ok$/m.exec(output);
      expect(downloaded, output).not.toBeNull();
      const stored = await fetch(generation!.storageUrl!);
      expect(Number(downloaded![1])).toBe((await stored.arrayBuffer()).byteLength);
    } finally {
      example.kill();
    }
  }, 90_000);
});
