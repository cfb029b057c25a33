/**
 * Files of private boards are served only to those who may read the board: through the
 * short-lived signed links the API hands out, or with the reader's own credentials. Files of
 * public boards keep stable URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, type Actor } from "./helpers/actors.js";
import { awaitCompleted, startIsolatedServer, submitGeneration } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

let server: TestServer;
let owner: Actor;
let member: Actor;
let stranger: Actor;
let privateBoard: string;
let publicBoard: string;

beforeAll(async () => {
  server = await startIsolatedServer({}, { worker: true });
  const tenant = await newTenant(server);
  owner = await tenant.user("owner");
  member = await tenant.user("member");
  stranger = await tenant.user("stranger");
  const boards = await owner.ok<{ priv: { id: string }; pub: { id: string } }>(`mutation {
    priv: createBoard(input: { title: "private" }) { id }
    pub: createBoard(input: { title: "public", isPublic: true }) { id }
  }`);
  privateBoard = boards.priv.id;
  publicBoard = boards.pub.id;
  await owner.ok(`mutation($b: UUID!, $u: UUID!) { addBoardMember(boardId: $b, userId: $u) { id } }`, { b: privateBoard, u: member.id });
});
afterAll(() => server.close());

const credentials = (actor: Actor) => ({ authorization: `Bearer ${actor.token}`, "x-tenant": actor.tenant });

async function image(boardId: string) {
  const g = await submitGeneration(owner, { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "secret fox", width: 32, height: 32 } });
  await awaitCompleted(owner, g.id);
  const row = await server.prisma.generation.findUniqueOrThrow({ where: { id: g.id } });
  const { generation } = await owner.ok<{ generation: { storageUrl: string; thumbnailUrl: string } }>(
    `query($id: UUID!) { generation(id: $id) { storageUrl thumbnailUrl } }`,
    { id: g.id },
  );
  return { id: g.id, plain: row.storageUrl!, key: row.storageKey!, link: generation.storageUrl, thumbnailLink: generation.thumbnailUrl };
}

describe("files of private boards", () => {
  it("are handed out as signed, expiring links that open without credentials", async () => {
    const file = await image(privateBoard);
    expect(file.link.startsWith(`${file.plain}?exp=`)).toBe(true);
    expect(file.link).toMatch(/&sig=[A-Za-z0-9_-]+$/);
    expect((await fetch(file.link)).status).toBe(200);
    expect((await fetch(file.thumbnailLink)).status).toBe(200);
    const ranged = await fetch(`${file.link}&download=true`, { headers: { range: "bytes=0-7" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-disposition")).toMatch(/^attachment/);
  });

  it("refuses the plain URL to anonymous callers and to signed-in non-members, and opens it for members", async () => {
    const file = await image(privateBoard);
    const anonymous = await fetch(file.plain);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toEqual({ detail: "This file is private" });
    expect((await fetch(file.plain, { headers: credentials(stranger) })).status).toBe(403);
    expect((await fetch(file.plain, { headers: credentials(member) })).status).toBe(200);
    expect((await fetch(file.plain, { headers: credentials(owner) })).status).toBe(200);
  });

  it("refuses tampered, foreign and expired links", async () => {
    const file = await image(privateBoard);
    const other = await image(privateBoard);
    const tampered = file.link.replace(/sig=./, (m) => (m.endsWith("A") ? "sig=B" : "sig=A"));
    expect((await fetch(tampered)).status).toBe(403);
    const query = file.link.slice(file.link.indexOf("?"));
    expect((await fetch(`${other.plain}${query}`)).status).toBe(403);
    const longer = file.link.replace(/exp=(\d+)/, (_, e: string) => `exp=${Number(e) + 3600}`);
    expect((await fetch(longer)).status).toBe(403);
    const expired = `${file.plain}?${server.runtime.signer.query(file.key, new Date(Date.now() - 1000))}`;
    const response = await fetch(expired);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: "This link has expired" });
  });
});

describe("files of public boards", () => {
  it("keep their stable URL, open to anyone", async () => {
    const file = await image(publicBoard);
    expect(file.link).toBe(file.plain);
    expect((await fetch(file.plain)).status).toBe(200);
  });

  it("follow the board: made private, the plain URL closes; made public again, it opens", async () => {
    const file = await image(publicBoard);
    await owner.ok(`mutation($id: UUID!) { updateBoard(input: { id: $id, isPublic: false }) { id } }`, { id: publicBoard });
    expect((await fetch(file.plain)).status).toBe(403);
    await owner.ok(`mutation($id: UUID!) { updateBoard(input: { id: $id, isPublic: true }) { id } }`, { id: publicBoard });
    expect((await fetch(file.plain)).status).toBe(200);
  });
});
