/**
 * A subscription lives no longer than the token it was opened with: GraphQL subscriptions (SSE
 * and WebSocket) end with UNAUTHENTICATED "Token expired", and Boards' progress stream closes.
 * The generation watched here has no job, so nothing but the expiry can end its stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, signToken, type Actor } from "./helpers/actors.js";
import { insertGeneration } from "./helpers/factories.js";
import { drain, errorsOf, openProgressStream, sseSubscribe, wsClient } from "./helpers/live.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { createBoard } from "./helpers/taggingFixtures.js";

const PROGRESS = `subscription($id: UUID!) { generationProgress(id: $id) { phase generation { id status } } }`;
const BOARD = `subscription($boardId: UUID!) { boardGenerations(boardId: $boardId) { generation { id } } }`;
type ProgressData = { generationProgress: { phase: string; generation: { id: string; status: string } } };

let server: TestServer;
let owner: Actor;
let boardId: string;
let generationId: string;
beforeAll(async () => {
  server = await startServer();
  owner = await (await newTenant(server)).user("owner");
  boardId = await createBoard(owner, { title: "Watched" });
  const board = await server.prisma.board.findUniqueOrThrow({ where: { id: boardId } });
  generationId = (await insertGeneration(server.prisma, board, owner.id, { status: "PENDING", progress: 0, storageUrl: null })).id;
});
afterAll(() => server.close());

/** The owner's credential, valid for a few more seconds only. */
const shortLived = () => signToken({ sub: owner.sub, expiresIn: Math.floor(Date.now() / 1000) + 3 });
const headers = (token: string) => ({ authorization: `Bearer ${token}`, "x-tenant": owner.tenant });

function expectEndedByExpiry(drained: Awaited<ReturnType<typeof drain<ProgressData>>>) {
  // The stream was live: the current state arrived first.
  expect(drained.results[0]?.data?.generationProgress.generation).toEqual({ id: generationId, status: "PENDING" });
  const errors = errorsOf(drained);
  expect(errors, JSON.stringify(drained)).toHaveLength(1);
  expect(errors[0]).toMatchObject({ message: "Token expired", extensions: { code: "UNAUTHENTICATED" } });
}

describe("when the token of a subscription expires", () => {
  it("a GraphQL subscription over SSE ends with UNAUTHENTICATED", async () => {
    const drained = await drain(sseSubscribe<ProgressData>(server, headers(await shortLived()), PROGRESS, { id: generationId }));
    expectEndedByExpiry(drained);
    expect(drained.completed).toBe(true);
  });

  it("a GraphQL subscription over WebSocket ends with UNAUTHENTICATED, and the connection takes no new ones", async () => {
    const token = await shortLived();
    const client = wsClient(server, { Authorization: `Bearer ${token}`, "X-Tenant": owner.tenant });
    try {
      const drained = await drain(client.iterate<ProgressData>({ query: PROGRESS, variables: { id: generationId } }));
      expectEndedByExpiry(drained);
      const again = await drain(client.iterate({ query: BOARD, variables: { boardId } }));
      expect(errorsOf(again)[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
      expect(again.results.every((r) => !r.data)).toBe(true);
    } finally {
      await client.dispose();
    }
  });

  it("a board subscription, which has no events of its own, ends too", async () => {
    const drained = await drain(sseSubscribe(server, headers(await shortLived()), BOARD, { boardId }));
    expect(errorsOf(drained)).toMatchObject([{ message: "Token expired", extensions: { code: "UNAUTHENTICATED" } }]);
    expect(drained.completed).toBe(true);
  });

  it("Boards' progress stream closes, and reconnecting with the token is refused", async () => {
    const token = await shortLived();
    const stream = await openProgressStream(server, generationId, headers(token));
    expect(stream.status).toBe(200);
    await stream.waitUntil(() => stream.closed(), "the stream to close");
    expect(stream.payloads).toHaveLength(1);
    expect(stream.payloads[0]).toMatchObject({ job_id: generationId, status: "pending" });
    const again = await server.fetch(`/api/sse/generations/${generationId}/progress`, { headers: headers(token) });
    expect(again.status).toBe(401);
  });

  it("a subscription opened with a long-lived token is not ended", async () => {
    const client = wsClient(server, { Authorization: `Bearer ${owner.token}`, "X-Tenant": owner.tenant });
    try {
      const iterator = client.iterate<ProgressData>({ query: PROGRESS, variables: { id: generationId } });
      const first = await iterator.next();
      expect(first.value?.data?.generationProgress.generation.id).toBe(generationId);
      // Still open well past the moment a short-lived token would have ended it.
      const outcome = await Promise.race([iterator.next().then(() => "ended"), new Promise((resolve) => setTimeout(() => resolve("open"), 4000))]);
      expect(outcome).toBe("open");
      await iterator.return?.();
    } finally {
      await client.dispose();
    }
  });
});
