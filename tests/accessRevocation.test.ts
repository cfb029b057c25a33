/**
 * A live stream lives no longer than its subscriber's right to read the board: removing a
 * member, making a public board private or deleting the board ends the streams of those who
 * lost access (GraphQL over SSE and WebSocket with NOT_FOUND "Board not found", Boards'
 * progress stream by closing), while everyone else's streams go on. Deleting a whole tenant
 * ends the streams of all its boards. Events travel over the run's Redis, as between the
 * processes of a deployment; over the in-process bus when the run has none.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Generation } from "../src/generated/prisma/client.js";
import { newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import { insertGeneration } from "./helpers/factories.js";
import { drain, errorsOf, openProgressStream, sseSubscribe, wsClient, type GqlEvent } from "./helpers/live.js";
import { startServer, type TestServer } from "./helpers/server.js";
import { addBoardMember, createBoard } from "./helpers/taggingFixtures.js";

const BOARD = `subscription($boardId: UUID!) { boardGenerations(boardId: $boardId) { phase generation { id } } }`;
const PROGRESS = `subscription($id: UUID!) { generationProgress(id: $id) { phase generation { id } } }`;
type BoardData = { boardGenerations: { phase: string; generation: { id: string } } };

const ADMIN_TOKEN = "access-revocation-admin-token-0123456789";

let server: TestServer;
let tenant: TenantHandle;
let owner: Actor;

beforeAll(async () => {
  const redisUrl = inject("redisUrl");
  server = await startServer({ ...(redisUrl ? { BOARDS_REDIS_URL: redisUrl } : {}), BOARDS_ADMIN_TOKEN: ADMIN_TOKEN });
  tenant = await newTenant(server);
  owner = await tenant.user("owner");
});
afterAll(() => server.close());

const headers = (actor: Actor) => ({ authorization: `Bearer ${actor.token}`, "x-tenant": actor.tenant });

async function pendingGeneration(boardId: string): Promise<Generation> {
  const board = await server.prisma.board.findUniqueOrThrow({ where: { id: boardId } });
  return insertGeneration(server.prisma, board, owner.id, { status: "PENDING", progress: 0, storageUrl: null });
}

/** `pending`, or "quiet" when it does not settle within `ms`. */
async function orQuiet<T>(pending: Promise<T>, ms: number): Promise<T | "quiet"> {
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<"quiet">((resolve) => (timer = setTimeout(() => resolve("quiet"), ms)));
  try {
    return await Promise.race([pending, quiet]);
  } finally {
    clearTimeout(timer);
  }
}

/** The stream ended with NOT_FOUND, after whatever events it had received before. */
function expectRevoked(drained: Awaited<ReturnType<typeof drain>>) {
  expect(errorsOf(drained), JSON.stringify(drained)).toMatchObject([{ message: "Board not found", extensions: { code: "NOT_FOUND" } }]);
  expect(drained.results.at(-1)?.data ?? null, JSON.stringify(drained)).toBeNull();
}

/**
 * Checks that a board subscription is live: an event published now (with a phase of its own)
 * reaches it. Events received earlier may still be queued ahead of it.
 */
async function live(iterator: AsyncIterator<GqlEvent<BoardData>>, generation: Generation) {
  const phase = `ping-${randomUUID()}`;
  // One pending read at a time: an abandoned read would swallow the event meant for the next.
  let next = iterator.next();
  for (let quiet = 0, seen = 0; quiet < 40 && seen < 200; ) {
    await server.runtime.events.publish(generation, phase);
    const result = await orQuiet(next, 250);
    if (result === "quiet") {
      quiet++;
      continue;
    }
    expect(result.done, JSON.stringify(result.value)).toBe(false);
    if (result.value.data?.boardGenerations.phase === phase) return;
    seen++;
    next = iterator.next();
  }
  throw new Error("the subscription is not live");
}

describe("removing a member", () => {
  it("ends the removed member's board subscription (SSE) and keeps the owner's and other members' going", async () => {
    const boardId = await createBoard(owner, { title: "Team" });
    const leaving = await tenant.user("leaving");
    const staying = await tenant.user("staying");
    const memberId = await addBoardMember(owner, boardId, leaving.id, "VIEWER");
    await addBoardMember(owner, boardId, staying.id, "VIEWER");
    const generation = await pendingGeneration(boardId);

    const theirs = sseSubscribe<BoardData>(server, headers(leaving), BOARD, { boardId });
    const others = [sseSubscribe<BoardData>(server, headers(owner), BOARD, { boardId }), sseSubscribe<BoardData>(server, headers(staying), BOARD, { boardId })];
    for (const it of [theirs, ...others]) await live(it, generation);

    await owner.ok(`mutation($id: UUID!) { removeBoardMember(id: $id) { success } }`, { id: memberId });
    expectRevoked(await drain(theirs));

    for (const it of others) {
      await live(it, generation);
      await it.return?.();
    }
  });

  it("ends a member's generation subscription over WebSocket when they leave the board themselves", async () => {
    const boardId = await createBoard(owner, { title: "Leave" });
    const member = await tenant.user("self-remover");
    const memberId = await addBoardMember(owner, boardId, member.id, "EDITOR");
    const generation = await pendingGeneration(boardId);
    const client = wsClient(server, { Authorization: `Bearer ${member.token}`, "X-Tenant": member.tenant });
    try {
      const iterator = client.iterate<BoardData>({ query: PROGRESS, variables: { id: generation.id } });
      expect((await iterator.next()).value?.data).toBeTruthy(); // the current state
      await member.ok(`mutation($id: UUID!) { removeBoardMember(id: $id) { success } }`, { id: memberId });
      expectRevoked(await drain(iterator));
    } finally {
      await client.dispose();
    }
  });

  it("closes Boards' progress stream of the removed member", async () => {
    const boardId = await createBoard(owner, { title: "Progress" });
    const member = await tenant.user("progress-viewer");
    const memberId = await addBoardMember(owner, boardId, member.id, "VIEWER");
    const generation = await pendingGeneration(boardId);
    const stream = await openProgressStream(server, generation.id, headers(member));
    expect(stream.status).toBe(200);
    await stream.waitUntil(() => stream.payloads.length === 1, "the current state");
    await owner.ok(`mutation($id: UUID!) { removeBoardMember(id: $id) { success } }`, { id: memberId });
    await stream.waitUntil(() => stream.closed(), "the stream to close");
  });
});

describe("making a public board private", () => {
  it("ends the streams of non-members and keeps those of members", async () => {
    const boardId = await createBoard(owner, { title: "Open", isPublic: true });
    const passerby = await tenant.user("passerby");
    const member = await tenant.user("insider");
    await addBoardMember(owner, boardId, member.id, "VIEWER");
    const generation = await pendingGeneration(boardId);
    const theirs = sseSubscribe<BoardData>(server, headers(passerby), BOARD, { boardId });
    const members = sseSubscribe<BoardData>(server, headers(member), BOARD, { boardId });
    await live(theirs, generation);
    await live(members, generation);

    // A change that keeps the board public ends nothing.
    await owner.ok(`mutation($input: UpdateBoardInput!) { updateBoard(input: $input) { id } }`, { input: { id: boardId, title: "Still open" } });
    await live(theirs, generation);

    await owner.ok(`mutation($input: UpdateBoardInput!) { updateBoard(input: $input) { id } }`, { input: { id: boardId, isPublic: false } });
    expectRevoked(await drain(theirs));
    await live(members, generation);
    await members.return?.();
  });
});

describe("deleting a board", () => {
  it("ends every stream of the board, the owner's included", async () => {
    const boardId = await createBoard(owner, { title: "Doomed" });
    const generation = await pendingGeneration(boardId);
    const iterator = sseSubscribe<BoardData>(server, headers(owner), BOARD, { boardId });
    await live(iterator, generation);
    await owner.ok(`mutation($id: UUID!) { deleteBoard(id: $id) { success } }`, { id: boardId });
    expectRevoked(await drain(iterator));
  });
});

describe("deleting a tenant", () => {
  it("ends the streams of every board in it", async () => {
    const doomed = await newTenant(server);
    const member = await doomed.user("owner");
    const boards = [await createBoard(member, { title: "One" }), await createBoard(member, { title: "Two" })];
    const streams = [];
    for (const boardId of boards) {
      const board = await server.prisma.board.findUniqueOrThrow({ where: { id: boardId } });
      const generation = await insertGeneration(server.prisma, board, member.id, { status: "PENDING", progress: 0, storageUrl: null });
      const stream = sseSubscribe<BoardData>(server, headers(member), BOARD, { boardId });
      await live(stream, generation);
      streams.push(stream);
    }
    const tenant = await server.prisma.tenant.findUniqueOrThrow({ where: { slug: doomed.slug } });
    const deleted = await server.fetch(`/api/setup/tenant/${tenant.id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(200);
    for (const stream of streams) expectRevoked(await drain(stream));
  });
});
