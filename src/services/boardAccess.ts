import { boardAccess, canReadBoard, type BoardAccess } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { notFound, unauthenticated } from "../errors.js";
import type { Board } from "../generated/prisma/client.js";
import type { ViewerUser } from "../auth/viewer.js";

/** The viewer's access to a board already loaded (role read through the request's loader). */
export async function accessToBoard(ctx: ServiceContext, board: Board): Promise<BoardAccess> {
  // Anonymous callers, other tenants and the owner need no membership lookup.
  if (!ctx.viewer.user || board.tenantId !== ctx.viewer.tenantId || board.ownerId === ctx.viewer.user.id) {
    return boardAccess(ctx.viewer, board, null);
  }
  return boardAccess(ctx.viewer, board, await ctx.loaders.viewerRoleByBoardId.load(board.id));
}

/** A board the viewer may read, or null (missing, private, or of another tenant). */
export async function readableBoard(ctx: ServiceContext, boardId: string): Promise<Board | null> {
  const board = await ctx.loaders.boardById.load(boardId);
  if (!board) return null;
  return canReadBoard(await accessToBoard(ctx, board)) ? board : null;
}

/**
 * Loads a board for a mutation: it must exist and be readable by the viewer.
 * @throws NOT_FOUND with `message` otherwise.
 */
export async function boardForMutation(
  ctx: ServiceContext,
  boardId: string,
  message = "Board not found",
): Promise<{ board: Board; access: BoardAccess }> {
  const board = await ctx.loaders.boardById.load(boardId);
  const access = board ? await accessToBoard(ctx, board) : "none";
  if (!board || !canReadBoard(access)) throw notFound(message);
  return { board, access };
}

/**
 * The signed-in user, for mutations.
 * @throws UNAUTHENTICATED with `message` for anonymous callers.
 */
export function requireUser(ctx: ServiceContext, message = "Authentication required"): ViewerUser {
  if (!ctx.viewer.user) throw unauthenticated(message);
  return ctx.viewer.user;
}
