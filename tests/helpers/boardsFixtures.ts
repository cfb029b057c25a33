/**
 * Operations, result shapes and builders for the board, member and permission suites. Every
 * builder goes through the public GraphQL API; only timestamps (which a client cannot set) are
 * written directly, so ordering tests do not depend on how fast requests run.
 */
import { expect } from "vitest";
import { expectError, newTenant, type Actor, type TenantHandle } from "./actors.js";
import type { GqlResult, TestServer } from "./server.js";

export type BoardRoleName = "VIEWER" | "EDITOR" | "ADMIN";

/** Any caller that can run GraphQL operations (a signed-in actor or a tenant's anonymous caller). */
export type Caller = Pick<Actor, "gql" | "ok">;

export const BOARD_FIELDS = "id tenantId ownerId title description isPublic settings metadata createdAt updatedAt";

export type BoardView = {
  id: string;
  tenantId: string;
  ownerId: string;
  title: string;
  description: string | null;
  isPublic: boolean;
  settings: unknown;
  metadata: unknown;
  createdAt: string;
  updatedAt: string;
};

export const MEMBER_FIELDS = "id boardId userId role invitedBy joinedAt user { id email } inviter { id }";

export type MemberView = {
  id: string;
  boardId: string;
  userId: string;
  role: BoardRoleName;
  invitedBy: string | null;
  joinedAt: string;
  user: { id: string; email: string | null };
  inviter: { id: string } | null;
};

export type CreateBoardInput = {
  title: string;
  description?: string | null;
  isPublic?: boolean;
  settings?: unknown;
  metadata?: unknown;
};

export const CREATE_BOARD = `mutation CreateBoard($input: CreateBoardInput!) { createBoard(input: $input) { ${BOARD_FIELDS} } }`;
export const UPDATE_BOARD = `mutation UpdateBoard($input: UpdateBoardInput!) { updateBoard(input: $input) { ${BOARD_FIELDS} } }`;
export const DELETE_BOARD = `mutation DeleteBoard($id: UUID!) { deleteBoard(id: $id) { success id } }`;
export const GET_BOARD = `query GetBoard($id: UUID!) { board(id: $id) { ${BOARD_FIELDS} } }`;
export const ADD_MEMBER = `mutation AddMember($boardId: UUID!, $email: String, $userId: UUID, $role: BoardRole) {
  addBoardMember(boardId: $boardId, email: $email, userId: $userId, role: $role) { ${MEMBER_FIELDS} }
}`;
/** addBoardMember without `role`, so the schema default applies. */
export const ADD_MEMBER_DEFAULT_ROLE = `mutation AddMember($boardId: UUID!, $email: String, $userId: UUID) {
  addBoardMember(boardId: $boardId, email: $email, userId: $userId) { ${MEMBER_FIELDS} }
}`;
export const UPDATE_MEMBER_ROLE = `mutation UpdateRole($id: UUID!, $role: BoardRole!) { updateBoardMemberRole(id: $id, role: $role) { ${MEMBER_FIELDS} } }`;
export const REMOVE_MEMBER = `mutation RemoveMember($id: UUID!) { removeBoardMember(id: $id) { success id } }`;
export const BOARD_MEMBERS = `query BoardMembers($id: UUID!) { board(id: $id) { id members { ${MEMBER_FIELDS} } } }`;

export type CreateBoardData = { createBoard: BoardView };
export type UpdateBoardData = { updateBoard: BoardView };
export type DeleteBoardData = { deleteBoard: { success: boolean; id: string } };
export type GetBoardData = { board: BoardView | null };
export type AddMemberData = { addBoardMember: MemberView };
export type UpdateMemberRoleData = { updateBoardMemberRole: MemberView };
export type RemoveMemberData = { removeBoardMember: { success: boolean; id: string } };
export type BoardMembersData = { board: { id: string; members: MemberView[] } | null };

/** A UUID no row has. */
export const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

/** Creates a board through the API (must succeed). */
export async function createBoard(actor: Caller, input: CreateBoardInput): Promise<BoardView> {
  return (await actor.ok<CreateBoardData>(CREATE_BOARD, { input })).createBoard;
}

/** Adds `user` to a board by user id (must succeed). */
export async function addMember(actor: Caller, boardId: string, user: { id: string }, role: BoardRoleName): Promise<MemberView> {
  return (await actor.ok<AddMemberData>(ADD_MEMBER, { boardId, userId: user.id, role })).addBoardMember;
}

/** The members of a board as `reader` sees them (the board must be readable). */
export async function membersOf(reader: Caller, boardId: string): Promise<MemberView[]> {
  const { board } = await reader.ok<BoardMembersData>(BOARD_MEMBERS, { id: boardId });
  expect(board, `board ${boardId} should be readable`).not.toBeNull();
  return board!.members;
}

/** The board as `reader` sees it (null when not readable). */
export async function readBoard(reader: Caller, id: string): Promise<BoardView | null> {
  return (await reader.ok<GetBoardData>(GET_BOARD, { id })).board;
}

/**
 * Asserts a mutation or query failed with exactly one error of `code` and `message`, and that
 * no data came back for it.
 */
export function expectFailure(result: GqlResult, code: string, message?: string | RegExp) {
  const error = expectError(result, code, message);
  expect(result.errors, JSON.stringify(result.errors)).toHaveLength(1);
  expect(result.data ?? null).toBeNull();
  return error;
}

/** Asserts a BAD_USER_INPUT error whose fieldErrors name `field` (with `message` when given). */
export function expectFieldError(result: GqlResult, field: string, message?: string) {
  const error = expectFailure(result, "BAD_USER_INPUT");
  const fieldErrors = error.extensions?.fieldErrors;
  expect(Array.isArray(fieldErrors), JSON.stringify(error)).toBe(true);
  const match = message === undefined ? { field } : { field, message };
  expect(fieldErrors).toEqual(expect.arrayContaining([expect.objectContaining(match)]));
  return error;
}

/** Sets a board's timestamps directly (clients cannot), so ordering tests are deterministic. */
export async function setBoardTimes(server: TestServer, id: string, times: { createdAt?: Date; updatedAt?: Date }) {
  await server.prisma.board.update({ where: { id }, data: times });
}

const EPOCH = Date.UTC(2024, 0, 1);

/** `n` minutes after a fixed instant in the past: distinct, well-ordered timestamps. */
export function minute(n: number): Date {
  return new Date(EPOCH + n * 60_000);
}

/** Ids of a list of records, in order. */
export const ids = (rows: ReadonlyArray<{ id: string }>) => rows.map((r) => r.id);

/**
 * Everyone the permission matrix talks about: the owner, one member of each role, a second
 * viewer (`target`, the object of role changes and removals), a signed-in user of the same
 * tenant who is not a member (`stranger`), a user who may be invited (`invitee`), the tenant's
 * anonymous caller, and a user of another tenant (`outsider`).
 */
export type Cast = {
  server: TestServer;
  tenant: TenantHandle;
  owner: Actor;
  admin: Actor;
  editor: Actor;
  viewer: Actor;
  target: Actor;
  stranger: Actor;
  invitee: Actor;
  anonymous: Caller;
  outsider: Actor;
};

export async function createCast(server: TestServer): Promise<Cast> {
  const tenant = await newTenant(server);
  const other = await newTenant(server);
  return {
    server,
    tenant,
    owner: await tenant.user("olive"),
    admin: await tenant.user("adam"),
    editor: await tenant.user("edith"),
    viewer: await tenant.user("victor"),
    target: await tenant.user("tara"),
    stranger: await tenant.user("stan"),
    invitee: await tenant.user("ivy"),
    anonymous: tenant.anonymous,
    outsider: await other.user("oscar"),
  };
}

export type SharedBoard = {
  board: BoardView;
  memberships: { admin: MemberView; editor: MemberView; viewer: MemberView; target: MemberView };
};

/** A board of the cast's owner with admin, editor, viewer and target as members. */
export async function sharedBoard(cast: Cast, options: { isPublic: boolean; title?: string }): Promise<SharedBoard> {
  const board = await createBoard(cast.owner, { title: options.title ?? "Shared board", isPublic: options.isPublic });
  return {
    board,
    memberships: {
      admin: await addMember(cast.owner, board.id, cast.admin, "ADMIN"),
      editor: await addMember(cast.owner, board.id, cast.editor, "EDITOR"),
      viewer: await addMember(cast.owner, board.id, cast.viewer, "VIEWER"),
      target: await addMember(cast.owner, board.id, cast.target, "VIEWER"),
    },
  };
}
