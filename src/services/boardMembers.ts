/**
 * Board membership: listing members and the member mutations (by member id, as the Boards
 * React client calls them). Members are always users of the board's tenant.
 */
import { canManageBoard, canReadBoard } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { badUserInput, conflict, forbidden, notFound } from "../errors.js";
import type { BoardMember, BoardRole, User } from "../generated/prisma/client.js";
import { isUniqueViolation } from "../lib/validate.js";
import { accessToBoard, boardForMutation, requireUser } from "./boardAccess.js";

/** Members of a board the viewer has already been allowed to read. */
export function listBoardMembers(ctx: ServiceContext, boardId: string): Promise<BoardMember[]> {
  return ctx.loaders.membersByBoardId.load(boardId);
}

/** A membership whose board the viewer may read, or null. */
export async function getBoardMember(ctx: ServiceContext, id: string): Promise<BoardMember | null> {
  const member = await ctx.loaders.memberById.load(id);
  if (!member) return null;
  const board = await ctx.loaders.boardById.load(member.boardId);
  return board && canReadBoard(await accessToBoard(ctx, board)) ? member : null;
}

async function findInvitee(ctx: ServiceContext, tenantId: string, by: { email?: string | null; userId?: string | null }): Promise<User> {
  if (by.userId) {
    const user = await ctx.prisma.user.findFirst({ where: { id: by.userId, tenantId } });
    if (!user) throw notFound("User not found");
    return user;
  }
  const email = (by.email ?? "").trim();
  if (email === "" || email.length > 255) {
    throw badUserInput("`email` must be a non-empty address of at most 255 characters", { argument: "email" });
  }
  const users = await ctx.prisma.user.findMany({ where: { tenantId, email: { equals: email, mode: "insensitive" } }, take: 2 });
  if (users.length === 0) throw notFound("User not found");
  if (users.length > 1) throw conflict("Several users have this e-mail address; add the member by userId");
  return users[0]!;
}

/**
 * Adds a user of the board's tenant as a member (owner or admin). Exactly one of `email` and
 * `userId` identifies the user.
 * @throws UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND (board or user), FORBIDDEN, CONFLICT (owner or already a member).
 */
export async function addBoardMember(
  ctx: ServiceContext,
  args: { boardId: string; email?: string | null; userId?: string | null; role?: BoardRole | null },
): Promise<BoardMember> {
  const viewer = requireUser(ctx, "Authentication required to add board members");
  const hasEmail = args.email !== null && args.email !== undefined;
  const hasUserId = args.userId !== null && args.userId !== undefined;
  if (hasEmail === hasUserId) {
    throw badUserInput("Provide exactly one of `email` or `userId`", { argument: hasEmail ? "userId" : "email" });
  }
  const { board, access } = await boardForMutation(ctx, args.boardId);
  if (!canManageBoard(access)) throw forbidden("Permission denied: only board owner or admin can add members");
  const invitee = await findInvitee(ctx, board.tenantId, args);
  if (invitee.id === board.ownerId) throw conflict("User is already the board owner");
  try {
    return await ctx.prisma.boardMember.create({
      data: { boardId: board.id, userId: invitee.id, role: args.role ?? "VIEWER", invitedBy: viewer.id },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("User is already a board member");
    throw error;
  }
}

async function memberForMutation(ctx: ServiceContext, id: string) {
  const member = await ctx.loaders.memberById.load(id);
  if (!member) throw notFound("Board member not found");
  const { board, access } = await boardForMutation(ctx, member.boardId, "Board member not found");
  return { member, board, access };
}

/**
 * Changes a member's role (owner or admin; admins may promote and demote other admins).
 * @throws UNAUTHENTICATED, NOT_FOUND, FORBIDDEN.
 */
export async function updateBoardMemberRole(ctx: ServiceContext, args: { id: string; role: BoardRole }): Promise<BoardMember> {
  requireUser(ctx, "Authentication required to change member roles");
  const { member, board, access } = await memberForMutation(ctx, args.id);
  if (member.userId === board.ownerId) throw forbidden("Cannot change the board owner's role");
  if (!canManageBoard(access)) throw forbidden("Permission denied: only board owner or admin can change member roles");
  return ctx.prisma.boardMember.update({ where: { id: member.id }, data: { role: args.role } });
}

/**
 * Removes a member: the owner or an admin may remove anyone, a member may remove themself.
 * @throws UNAUTHENTICATED, NOT_FOUND, FORBIDDEN.
 */
export async function removeBoardMember(ctx: ServiceContext, id: string): Promise<{ success: true; id: string }> {
  const viewer = requireUser(ctx, "Authentication required to remove board members");
  const { member, board, access } = await memberForMutation(ctx, id);
  if (member.userId === board.ownerId) throw forbidden("Cannot remove the board owner");
  if (!canManageBoard(access) && member.userId !== viewer.id) {
    throw forbidden("Permission denied: insufficient permissions to remove member");
  }
  await ctx.prisma.boardMember.delete({ where: { id: member.id } });
  // The removed member's open live streams of this board end.
  await ctx.events.publishAccessChange(board.id);
  return { success: true, id: member.id };
}
