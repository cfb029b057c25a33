/**
 * The board permission matrix (Boards §3), in one place. Services decide what a caller may do
 * by computing the caller's access level to a board and asking these predicates.
 */
import { Prisma, type Board, type BoardRole } from "../generated/prisma/client.js";
import type { Viewer } from "./viewer.js";

/** A caller's standing on one board, strongest first. `public` = may read only because it is public. */
export type BoardAccess = "owner" | "admin" | "editor" | "viewer" | "public" | "none";

type BoardFacts = Pick<Board, "tenantId" | "ownerId" | "isPublic">;

/**
 * Access of `viewer` to `board`, given the viewer's membership role on it (null if none).
 * Boards of another tenant are never accessible, public or not.
 */
export function boardAccess(viewer: Viewer, board: BoardFacts, memberRole: BoardRole | null): BoardAccess {
  if (viewer.tenantId === null || board.tenantId !== viewer.tenantId) return "none";
  const userId = viewer.user?.id;
  if (userId && board.ownerId === userId) return "owner";
  if (userId && memberRole) return memberRole === "ADMIN" ? "admin" : memberRole === "EDITOR" ? "editor" : "viewer";
  return board.isPublic ? "public" : "none";
}

export const canReadBoard = (a: BoardAccess) => a !== "none";
/** Update the board itself, add members, change roles: owner or admin. */
export const canManageBoard = (a: BoardAccess) => a === "owner" || a === "admin";
/** Delete the board: owner only. */
export const canDeleteBoard = (a: BoardAccess) => a === "owner";
/** Create, regenerate, upload and tag generations: owner, admin or editor. */
export const canEditGenerations = (a: BoardAccess) => a === "owner" || a === "admin" || a === "editor";
/** Cancel or delete one generation: the owner any, editors and admins their own. */
export function canChangeGeneration(a: BoardAccess, viewer: Viewer, generation: { userId: string }): boolean {
  if (a === "owner") return true;
  return (a === "admin" || a === "editor") && generation.userId === viewer.user?.id;
}

/** Prisma condition for "boards this viewer may read". */
export function readableBoardsWhere(viewer: Viewer): Prisma.BoardWhereInput {
  if (viewer.tenantId === null) return { id: { in: [] } };
  const userId = viewer.user?.id;
  if (!userId) return { tenantId: viewer.tenantId, isPublic: true };
  return {
    tenantId: viewer.tenantId,
    OR: [{ isPublic: true }, { ownerId: userId }, { members: { some: { userId } } }],
  };
}

/**
 * SQL condition on the board row `board` for "this viewer may create generations on it" —
 * `canEditGenerations(boardAccess(viewer, board, role))` as one predicate, for a statement that
 * checks and writes at once. tests/policySql.test.ts holds the two equal for every standing.
 */
export function editsGenerationsSql(viewer: Viewer, board: Prisma.Sql): Prisma.Sql {
  const userId = viewer.user?.id;
  if (viewer.tenantId === null || !userId) return Prisma.sql`false`;
  return Prisma.sql`(${board}.tenant_id = ${viewer.tenantId}::uuid AND (${board}.owner_id = ${userId}::uuid OR EXISTS (
    SELECT 1 FROM board_members m WHERE m.board_id = ${board}.id AND m.user_id = ${userId}::uuid AND m.role IN ('admin', 'editor'))))`;
}
