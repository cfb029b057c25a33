/**
 * The cast of the upload suites: a server with a small upload limit spooling into a fresh
 * directory the test can watch, a private board, its owner, a viewer member of it and an
 * outsider from another tenant.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newTenant, type Actor } from "./actors.js";
import { startIsolatedServer } from "./pipeline.js";
import type { TestServer } from "./server.js";

export type UploadScene = {
  server: TestServer;
  owner: Actor;
  viewer: Actor;
  outsider: Actor;
  boardId: string;
  /** BOARDS_UPLOAD_TEMP_DIR of the server. */
  spool: string;
  close(): Promise<void>;
};

export async function uploadScene(title: string, maxUploadBytes: number): Promise<UploadScene> {
  const spool = await mkdtemp(join(tmpdir(), "boards-test-spool-"));
  const server = await startIsolatedServer({ BOARDS_MAX_UPLOAD_SIZE: String(maxUploadBytes), BOARDS_UPLOAD_TEMP_DIR: spool });
  const tenant = await newTenant(server);
  const owner = await tenant.user("owner");
  const viewer = await tenant.user("viewer");
  const outsider = await (await newTenant(server)).user("outsider");
  const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation($t: String!) { createBoard(input: { title: $t }) { id } }`, { t: title })).createBoard.id;
  await owner.ok(`mutation($b: UUID!, $u: UUID!) { addBoardMember(boardId: $b, userId: $u) { id } }`, { b: boardId, u: viewer.id });
  return {
    server,
    owner,
    viewer,
    outsider,
    boardId,
    spool,
    async close() {
      await server.close();
      await rm(spool, { recursive: true, force: true });
    },
  };
}
