/**
 * A subscriber who leaves releases its event subscription at once, not when the next event
 * happens to arrive (a quiet generation would otherwise hold it indefinitely).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { pollUntil } from "./helpers/faultHarness.js";
import { startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

let server: TestServer;
let owner: Actor;
let boardId: string;

beforeAll(async () => {
  // No worker: the generation stays PENDING and publishes nothing after the first state.
  server = await startIsolatedServer();
  owner = await (await newTenant(server)).user("owner");
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "quiet" }) { id } }`)).createBoard.id;
});
afterAll(() => server.close());

async function openAndLeave(path: string, init: RequestInit) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}${path}`, { ...init, signal: controller.signal });
  const reader = response.body!.getReader();
  await reader.read(); // the current state (or the first bytes of the stream)
  expect(server.runtime.events.activeSubscriptions()).toBe(1);
  controller.abort();
  await reader.cancel().catch(() => undefined);
  await pollUntil(() => server.runtime.events.activeSubscriptions(), (n) => n === 0, { what: "the subscription to be released" });
}

describe("leaving a live stream", () => {
  it("releases the subscription of the Boards SSE stream", async () => {
    const g = await submitGeneration(owner, { boardId, generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: "quiet" } });
    await openAndLeave(`/api/sse/generations/${g.id}/progress`, { headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant } });
  });

  it("releases the subscription of a GraphQL subscription over SSE", async () => {
    const g = await submitGeneration(owner, { boardId, generatorName: "text-from-prompt", artifactType: "TEXT", inputParams: { prompt: "quiet" } });
    const body = JSON.stringify({ query: `subscription($id: UUID!) { generationProgress(id: $id) { phase } }`, variables: { id: g.id } });
    await openAndLeave("/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant, "content-type": "application/json", accept: "text/event-stream" },
      body,
    });
  });

  it("releases the subscription of a board stream", async () => {
    const body = JSON.stringify({ query: `subscription($b: UUID!) { boardGenerations(boardId: $b) { phase } }`, variables: { b: boardId } });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      signal: controller.signal,
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": owner.tenant, "content-type": "application/json", accept: "text/event-stream" },
      body,
    });
    expect(response.status).toBe(200);
    await pollUntil(() => server.runtime.events.activeSubscriptions(), (n) => n === 1, { what: "the board subscription" });
    controller.abort();
    await pollUntil(() => server.runtime.events.activeSubscriptions(), (n) => n === 0, { what: "the subscription to be released" });
  });
});
