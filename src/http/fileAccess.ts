/**
 * Who may read a stored file through GET /api/storage/{key}. Keys name their tenant and board
 * (`{tenant}/{type}/{board}/…`, see storage/storageKey.ts): files of public boards are open to
 * anyone; files of private boards need a valid signed link (as the API hands out in
 * `storageUrl`) or a signed-in caller who may read the board. Anything else is not served.
 */
import type { IncomingMessage } from "node:http";
import { canReadBoard } from "../auth/policy.js";
import type { Viewer } from "../auth/viewer.js";
import type { AppContext } from "../context.js";
import type { PrismaClient } from "../db.js";
import { accessToBoard } from "../services/boardAccess.js";
import type { UrlSigner } from "../storage/UrlSigner.js";
import type { FileAuthorizer } from "./storageRoute.js";
import { requestHeaders } from "./respond.js";
import { isUuid } from "../lib/uuid.js";

const NOT_FOUND = { status: 404, detail: "File not found" };

export function createFileAuthorizer(deps: {
  prisma: PrismaClient;
  signer: UrlSigner;
  authenticate: (headers: Headers) => Promise<Viewer>;
  contextFor: (viewer: Viewer) => AppContext;
}): FileAuthorizer {
  return async (req: IncomingMessage, key: string, url: URL) => {
    const [tenantId, , boardId] = key.split("/");
    if (key.split("/").length !== 5 || !isUuid(tenantId ?? "") || !isUuid(boardId ?? "")) return NOT_FOUND;
    const board = await deps.prisma.board.findUnique({ where: { id: boardId!.toLowerCase() } });
    if (!board || board.tenantId !== tenantId!.toLowerCase()) return NOT_FOUND;
    if (board.isPublic) return null;

    const exp = url.searchParams.get("exp");
    const sig = url.searchParams.get("sig");
    const verdict = deps.signer.verify(key, exp, sig);
    if (verdict === "ok") return null;
    if (req.headers.authorization) {
      try {
        const ctx = deps.contextFor(await deps.authenticate(requestHeaders(req)));
        if (canReadBoard(await accessToBoard(ctx, board))) return null;
      } catch {
        // An invalid credential grants nothing; the refusal below applies.
      }
    }
    if (verdict === "expired") return { status: 403, detail: "This link has expired" };
    return { status: 403, detail: "This file is private" };
  };
}
