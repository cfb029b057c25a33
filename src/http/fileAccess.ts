/**
 * Who may read a stored file through GET /api/storage/{key}. Keys name their tenant and board
 * (`{tenant}/{type}/{board}/…`, see storage/storageKey.ts): files of public boards are open to
 * anyone; files of private boards need a valid signed link (as the API hands out in
 * `storageUrl`) or a signed-in caller who may read the board. Anything else is not served.
 * The decision also says how the answer may be cached: publicly for public boards only.
 */
import type { IncomingMessage } from "node:http";
import { canReadBoard } from "../auth/policy.js";
import type { Viewer } from "../auth/viewer.js";
import type { AppContext } from "../context.js";
import type { PrismaClient } from "../db.js";
import { accessToBoard } from "../services/boardAccess.js";
import type { UrlSigner } from "../storage/UrlSigner.js";
import type { FileAuthorizer, FileDecision } from "./storageRoute.js";
import { requestHeaders } from "./respond.js";
import { isUuid } from "../lib/uuid.js";

const NOT_FOUND: FileDecision = { status: 404, detail: "File not found" };

/** Anyone may read it, so shared caches may keep it (a board made private later is seen within the hour). */
const PUBLIC: FileDecision = { cacheControl: "public, max-age=3600" };

/** Opened by the caller's own credentials: the answer is theirs alone, and not to be kept. */
const CREDENTIALED: FileDecision = { cacheControl: "private, no-store", vary: "Authorization" };

/** A signed link's answer may be kept by the caller's own cache, never past the link's expiry. */
function signedLink(exp: string, now = Date.now()): FileDecision {
  const remaining = Math.floor(Number(exp) - now / 1000);
  if (remaining <= 0) return { cacheControl: "private, no-store", vary: "Authorization" };
  return { cacheControl: `private, max-age=${Math.min(remaining, 3600)}`, vary: "Authorization" };
}

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
    if (board.isPublic) return PUBLIC;

    const exp = url.searchParams.get("exp");
    const sig = url.searchParams.get("sig");
    const verdict = deps.signer.verify(key, exp, sig);
    if (verdict === "ok") return signedLink(exp!);
    if (req.headers.authorization) {
      try {
        const ctx = deps.contextFor(await deps.authenticate(requestHeaders(req)));
        if (canReadBoard(await accessToBoard(ctx, board))) return CREDENTIALED;
      } catch {
        // An invalid credential grants nothing; the refusal below applies.
      }
    }
    if (verdict === "expired") return { status: 403, detail: "This link has expired" };
    return { status: 403, detail: "This file is private" };
  };
}
