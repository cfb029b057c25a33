/**
 * A generator that reports progress in a tight loop does not turn every report into a database
 * write and an event: reports are coalesced to one per BOARDS_PROGRESS_MIN_INTERVAL_MS, the
 * latest one kept, and the stream still ends with the completed generation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { newTenant } from "./helpers/actors.js";
import { openProgressStream } from "./helpers/live.js";
import { startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs a text generation reporting 100 steps over about a second; returns the progress values streamed. */
async function streamedProgress(env: Record<string, string>): Promise<number[]> {
  server = await startIsolatedServer(env, { worker: true });
  const owner = await (await newTenant(server)).user("owner");
  const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "chatty" }) { id } }`)).createBoard.id;
  const submitted = await submitGeneration(owner, {
    boardId,
    generatorName: "text-from-prompt",
    artifactType: "TEXT",
    inputParams: { prompt: "tick", progress_steps: 100, delay_ms: 1000 },
  });
  const stream = await openProgressStream(server, submitted.id, { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant });
  await stream.waitUntil(() => stream.closed(), "the stream to end");
  expect(stream.payloads.at(-1)).toMatchObject({ status: "completed", progress: 100 });
  const values = stream.payloads.filter((p) => p.status === "processing").map((p) => Number(p.progress));
  // Never backwards, whatever was coalesced.
  expect(values).toEqual([...values].sort((a, b) => a - b));
  return values;
}

describe("progress reports", () => {
  it("are coalesced: far fewer events than reports, and never backwards", async () => {
    const values = await streamedProgress({ BOARDS_PROGRESS_MIN_INTERVAL_MS: "250" });
    expect(values.length).toBeGreaterThan(0);
    expect(values.length).toBeLessThan(50);
  });

  it("are all written when the interval is 0", async () => {
    const values = await streamedProgress({ BOARDS_PROGRESS_MIN_INTERVAL_MS: "0" });
    expect(new Set(values).size).toBeGreaterThanOrEqual(90);
  });
});
