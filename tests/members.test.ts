/**
 * Board membership over HTTP: addBoardMember (by e-mail or user id), updateBoardMemberRole and
 * removeBoardMember, their rules and their error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import {
  ADD_MEMBER,
  ADD_MEMBER_DEFAULT_ROLE,
  REMOVE_MEMBER,
  UNKNOWN_ID,
  UPDATE_BOARD,
  UPDATE_MEMBER_ROLE,
  addMember,
  createBoard,
  expectFailure,
  ids,
  membersOf,
  readBoard,
  type AddMemberData,
  type BoardRoleName,
  type BoardView,
  type MemberView,
  type RemoveMemberData,
  type UpdateMemberRoleData,
} from "./helpers/boardsFixtures.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let tenant: TenantHandle;
let alice: Actor; // owns the boards
let bob: Actor;
let carol: Actor;
let dave: Actor;
let outsider: Actor;

beforeAll(async () => {
  server = await startServer();
  tenant = await newTenant(server);
  alice = await tenant.user("alice");
  bob = await tenant.user("bob");
  carol = await tenant.user("carol");
  dave = await tenant.user("dave");
  outsider = await (await newTenant(server)).user("oscar");
});
afterAll(() => server.close());

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A private board of alice, fresh for each test. */
const privateBoard = (title = "Members board") => createBoard(alice, { title });

const MY_BOARD_IDS = `{ myBoards { id } }`;
async function myBoardIds(actor: Actor): Promise<string[]> {
  return ids((await actor.ok<{ myBoards: Array<{ id: string }> }>(MY_BOARD_IDS)).myBoards);
}

describe("addBoardMember", () => {
  it("adds a user by e-mail with role VIEWER by default and records who invited them", async () => {
    const board = await privateBoard();
    const { addBoardMember: member } = await alice.ok<AddMemberData>(ADD_MEMBER_DEFAULT_ROLE, { boardId: board.id, email: bob.email });
    expect(member).toEqual({
      id: expect.any(String),
      boardId: board.id,
      userId: bob.id,
      role: "VIEWER",
      invitedBy: alice.id,
      joinedAt: expect.stringMatching(ISO_DATE_TIME),
      user: { id: bob.id, email: bob.email },
      inviter: { id: alice.id },
    });
    expect(await membersOf(alice, board.id)).toEqual([member]);
    // Membership is what lets bob read the private board.
    expect((await readBoard(bob, board.id))?.id).toBe(board.id);
    expect(await myBoardIds(bob)).toContain(board.id);
  });

  it("matches the e-mail address case-insensitively", async () => {
    const board = await privateBoard();
    const { addBoardMember: member } = await alice.ok<AddMemberData>(ADD_MEMBER, {
      boardId: board.id,
      email: bob.email.toUpperCase(),
      role: "EDITOR",
    });
    expect(member).toMatchObject({ userId: bob.id, role: "EDITOR" });
  });

  it("adds a user by user id, with role VIEWER by default", async () => {
    const board = await privateBoard();
    const { addBoardMember: member } = await alice.ok<AddMemberData>(ADD_MEMBER_DEFAULT_ROLE, { boardId: board.id, userId: carol.id });
    expect(member).toMatchObject({ boardId: board.id, userId: carol.id, role: "VIEWER", invitedBy: alice.id, inviter: { id: alice.id } });
  });

  it.each<BoardRoleName>(["VIEWER", "EDITOR", "ADMIN"])("adds a user with role %s", async (role) => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, carol, role);
    expect(member.role).toBe(role);
    expect((await membersOf(carol, board.id)).map((m) => [m.userId, m.role])).toEqual([[carol.id, role]]);
  });

  it("records an admin who adds a member as the inviter", async () => {
    const board = await privateBoard();
    await addMember(alice, board.id, bob, "ADMIN");
    const member = await addMember(bob, board.id, carol, "EDITOR");
    expect(member).toMatchObject({ userId: carol.id, invitedBy: bob.id, inviter: { id: bob.id } });
  });

  describe("bad arguments → BAD_USER_INPUT, adding nobody", () => {
    it.each<[string, () => Record<string, unknown>]>([
      ["both email and userId", () => ({ email: bob.email, userId: bob.id })],
      ["neither email nor userId", () => ({})],
      ["both given as null", () => ({ email: null, userId: null })],
      ["an empty email", () => ({ email: "" })],
      ["a userId that is not a UUID", () => ({ userId: "bob" })],
    ])("%s", async (_name, args) => {
      const board = await privateBoard();
      expectFailure(await alice.gql(ADD_MEMBER, { boardId: board.id, ...args() }), "BAD_USER_INPUT");
      expect(await membersOf(alice, board.id)).toEqual([]);
    });
  });

  describe("users who cannot be added → NOT_FOUND", () => {
    it.each<[string, () => Record<string, unknown>]>([
      ["an unknown e-mail", () => ({ email: "nobody@nowhere.example" })],
      ["an unknown user id", () => ({ userId: UNKNOWN_ID })],
      ["a user of another tenant, by id", () => ({ userId: outsider.id })],
      ["a user of another tenant, by e-mail", () => ({ email: outsider.email })],
    ])("%s", async (_name, args) => {
      const board = await privateBoard();
      expectFailure(await alice.gql(ADD_MEMBER, { boardId: board.id, ...args() }), "NOT_FOUND", "User not found");
      expect(await membersOf(alice, board.id)).toEqual([]);
    });
  });

  it("an e-mail containing a NUL character → BAD_USER_INPUT or NOT_FOUND, never an internal error", async () => {
    const board = await privateBoard();
    const result = await alice.gql(ADD_MEMBER, { boardId: board.id, email: `${bob.email}\u0000` });
    const code = result.errors?.[0]?.extensions?.code;
    expect(["BAD_USER_INPUT", "NOT_FOUND"], JSON.stringify(result.errors)).toContain(code);
    expectFailure(result, code as string);
    expect(await membersOf(alice, board.id)).toEqual([]);
  });

  it.each<[string, () => Record<string, unknown>]>([
    ["by id", () => ({ userId: alice.id })],
    ["by e-mail", () => ({ email: alice.email })],
  ])("adding the owner (%s) → CONFLICT", async (_name, args) => {
    const board = await privateBoard();
    expectFailure(await alice.gql(ADD_MEMBER, { boardId: board.id, ...args() }), "CONFLICT", "User is already the board owner");
    expect(await membersOf(alice, board.id)).toEqual([]);
  });

  it("adding an existing member again → CONFLICT, whatever the role, and the membership is unchanged", async () => {
    const board = await privateBoard();
    const first = await addMember(alice, board.id, bob, "EDITOR");
    expectFailure(
      await alice.gql(ADD_MEMBER, { boardId: board.id, userId: bob.id, role: "EDITOR" }),
      "CONFLICT",
      "User is already a board member",
    );
    expectFailure(
      await alice.gql(ADD_MEMBER, { boardId: board.id, email: bob.email, role: "ADMIN" }),
      "CONFLICT",
      "User is already a board member",
    );
    expect(await membersOf(alice, board.id)).toEqual([first]);
  });

  it("an unknown board → NOT_FOUND", async () => {
    expectFailure(await alice.gql(ADD_MEMBER, { boardId: UNKNOWN_ID, userId: bob.id }), "NOT_FOUND", "Board not found");
  });

  it("an anonymous caller → UNAUTHENTICATED", async () => {
    const board = await createBoard(alice, { title: "Public", isPublic: true });
    expectFailure(
      await tenant.anonymous.gql(ADD_MEMBER, { boardId: board.id, userId: bob.id }),
      "UNAUTHENTICATED",
      "Authentication required to add board members",
    );
    expect(await membersOf(alice, board.id)).toEqual([]);
  });
});

describe("updateBoardMemberRole", () => {
  const changeRole = async (actor: Actor, member: MemberView, role: BoardRoleName) =>
    (await actor.ok<UpdateMemberRoleData>(UPDATE_MEMBER_ROLE, { id: member.id, role })).updateBoardMemberRole;

  it("lets the owner move a member through every role", async () => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, bob, "VIEWER");
    for (const role of ["EDITOR", "ADMIN", "VIEWER"] as const) {
      const updated = await changeRole(alice, member, role);
      expect(updated).toEqual({ ...member, role });
      expect(await membersOf(alice, board.id)).toEqual([{ ...member, role }]);
    }
  });

  it("keeps the membership's id, join time and inviter", async () => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, bob, "VIEWER");
    const updated = await changeRole(alice, member, "ADMIN");
    expect(updated).toMatchObject({ id: member.id, joinedAt: member.joinedAt, invitedBy: alice.id, inviter: { id: alice.id } });
  });

  it("lets an admin promote a viewer to admin, who may then manage the board", async () => {
    const board = await privateBoard();
    await addMember(alice, board.id, bob, "ADMIN");
    const carolMember = await addMember(alice, board.id, carol, "VIEWER");
    expect((await changeRole(bob, carolMember, "ADMIN")).role).toBe("ADMIN");
    const result = await carol.gql(UPDATE_BOARD, { input: { id: board.id, title: "Carol was here" } });
    expect(expectData(result)).toMatchObject({ updateBoard: { title: "Carol was here" } });
  });

  it.each<BoardRoleName>(["EDITOR", "VIEWER"])("lets an admin demote another admin to %s, who then may not manage the board", async (role) => {
    const board = await privateBoard();
    await addMember(alice, board.id, bob, "ADMIN");
    const carolMember = await addMember(alice, board.id, carol, "ADMIN");
    expect((await changeRole(bob, carolMember, role)).role).toBe(role);
    expectFailure(
      await carol.gql(UPDATE_BOARD, { input: { id: board.id, title: "Carol was here" } }),
      "FORBIDDEN",
      "Permission denied: only board owner or admin can update",
    );
    expectFailure(
      await carol.gql(ADD_MEMBER, { boardId: board.id, userId: dave.id }),
      "FORBIDDEN",
      "Permission denied: only board owner or admin can add members",
    );
  });

  it.each<[BoardRoleName, "self" | "other", BoardRoleName]>([
    ["EDITOR", "other", "ADMIN"],
    ["EDITOR", "self", "ADMIN"],
    ["VIEWER", "other", "EDITOR"],
    ["VIEWER", "self", "ADMIN"],
  ])("refuses a member with role %s changing the role of %s → FORBIDDEN, role unchanged", async (role, whose, newRole) => {
    const board = await privateBoard();
    const bobMember = await addMember(alice, board.id, bob, role);
    const carolMember = await addMember(alice, board.id, carol, "VIEWER");
    const subject = whose === "self" ? bobMember : carolMember;
    expectFailure(
      await bob.gql(UPDATE_MEMBER_ROLE, { id: subject.id, role: newRole }),
      "FORBIDDEN",
      "Permission denied: only board owner or admin can change member roles",
    );
    expect((await membersOf(alice, board.id)).map((m) => m.role)).toEqual([role, "VIEWER"]);
  });

  it("an unknown member id → NOT_FOUND", async () => {
    expectFailure(await alice.gql(UPDATE_MEMBER_ROLE, { id: UNKNOWN_ID, role: "EDITOR" }), "NOT_FOUND", "Board member not found");
  });

  it.each<[string, () => Actor]>([
    ["a non-member of the private board", () => dave],
    ["a user of another tenant", () => outsider],
  ])("a membership on a board %s cannot see → NOT_FOUND", async (_name, actor) => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, bob, "VIEWER");
    expectFailure(await actor().gql(UPDATE_MEMBER_ROLE, { id: member.id, role: "ADMIN" }), "NOT_FOUND", "Board member not found");
    expect((await membersOf(alice, board.id))[0]!.role).toBe("VIEWER");
  });

  it("an anonymous caller → UNAUTHENTICATED", async () => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, bob, "VIEWER");
    expectFailure(
      await tenant.anonymous.gql(UPDATE_MEMBER_ROLE, { id: member.id, role: "ADMIN" }),
      "UNAUTHENTICATED",
      "Authentication required to change member roles",
    );
    expect((await membersOf(alice, board.id))[0]!.role).toBe("VIEWER");
  });

  it("refuses to change a membership row of the board's owner → FORBIDDEN", async () => {
    // The API never makes the owner a member; such a row can only come from outside it.
    const board = await privateBoard();
    const row = await server.prisma.boardMember.create({ data: { boardId: board.id, userId: alice.id, role: "VIEWER" } });
    expectFailure(await alice.gql(UPDATE_MEMBER_ROLE, { id: row.id, role: "ADMIN" }), "FORBIDDEN", "Cannot change the board owner's role");
    expect((await server.prisma.boardMember.findUniqueOrThrow({ where: { id: row.id } })).role).toBe("VIEWER");
  });
});

describe("removeBoardMember", () => {
  const remove = async (actor: Actor, member: MemberView) =>
    (await actor.ok<RemoveMemberData>(REMOVE_MEMBER, { id: member.id })).removeBoardMember;

  it("lets the owner remove a member, who then loses access to the private board", async () => {
    const board = await privateBoard();
    const bobMember = await addMember(alice, board.id, bob, "EDITOR");
    const carolMember = await addMember(alice, board.id, carol, "VIEWER");
    expect(await remove(alice, bobMember)).toEqual({ success: true, id: bobMember.id });
    expect(await membersOf(alice, board.id)).toEqual([carolMember]);
    expect(await readBoard(bob, board.id)).toBeNull();
    expect(await myBoardIds(bob)).not.toContain(board.id);
  });

  it.each<BoardRoleName>(["VIEWER", "EDITOR", "ADMIN"])("lets an admin remove a member with role %s", async (role) => {
    const board = await privateBoard();
    await addMember(alice, board.id, bob, "ADMIN");
    const carolMember = await addMember(alice, board.id, carol, role);
    expect(await remove(bob, carolMember)).toEqual({ success: true, id: carolMember.id });
    expect((await membersOf(alice, board.id)).map((m) => m.userId)).toEqual([bob.id]);
  });

  it.each<BoardRoleName>(["VIEWER", "EDITOR", "ADMIN"])("lets a member with role %s remove themself", async (role) => {
    const board = await privateBoard();
    const bobMember = await addMember(alice, board.id, bob, role);
    const carolMember = await addMember(alice, board.id, carol, "VIEWER");
    expect(await remove(bob, bobMember)).toEqual({ success: true, id: bobMember.id });
    expect(await membersOf(alice, board.id)).toEqual([carolMember]);
    expect(await readBoard(bob, board.id)).toBeNull();
  });

  it("a member who leaves a public board can still read it but no longer lists it", async () => {
    const board = await createBoard(alice, { title: "Public", isPublic: true });
    const bobMember = await addMember(alice, board.id, bob, "VIEWER");
    expect(await myBoardIds(bob)).toContain(board.id);
    await remove(bob, bobMember);
    expect((await readBoard(bob, board.id))?.id).toBe(board.id);
    expect(await myBoardIds(bob)).not.toContain(board.id);
  });

  it.each<BoardRoleName>(["VIEWER", "EDITOR"])("refuses a member with role %s removing someone else → FORBIDDEN", async (role) => {
    const board = await privateBoard();
    const bobMember = await addMember(alice, board.id, bob, role);
    const carolMember = await addMember(alice, board.id, carol, "VIEWER");
    expectFailure(
      await bob.gql(REMOVE_MEMBER, { id: carolMember.id }),
      "FORBIDDEN",
      "Permission denied: insufficient permissions to remove member",
    );
    expect(await membersOf(alice, board.id)).toEqual([bobMember, carolMember]);
  });

  it("a removed member may be added again", async () => {
    const board = await privateBoard();
    const first = await addMember(alice, board.id, bob, "VIEWER");
    await remove(alice, first);
    const second = await addMember(alice, board.id, bob, "EDITOR");
    expect(second.id).not.toBe(first.id);
    expect((await membersOf(alice, board.id)).map((m) => [m.userId, m.role])).toEqual([[bob.id, "EDITOR"]]);
  });

  it("an unknown member id → NOT_FOUND", async () => {
    expectFailure(await alice.gql(REMOVE_MEMBER, { id: UNKNOWN_ID }), "NOT_FOUND", "Board member not found");
  });

  it("removing the same membership twice → NOT_FOUND", async () => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, bob, "VIEWER");
    await remove(alice, member);
    expectFailure(await alice.gql(REMOVE_MEMBER, { id: member.id }), "NOT_FOUND", "Board member not found");
    expectFailure(await bob.gql(REMOVE_MEMBER, { id: member.id }), "NOT_FOUND", "Board member not found");
  });

  it.each<[string, () => Actor]>([
    ["a non-member of the private board", () => dave],
    ["a user of another tenant", () => outsider],
  ])("a membership on a board %s cannot see → NOT_FOUND", async (_name, actor) => {
    const board = await privateBoard();
    const member = await addMember(alice, board.id, bob, "VIEWER");
    expectFailure(await actor().gql(REMOVE_MEMBER, { id: member.id }), "NOT_FOUND", "Board member not found");
    expect(await membersOf(alice, board.id)).toEqual([member]);
  });

  it("an anonymous caller → UNAUTHENTICATED", async () => {
    const board = await createBoard(alice, { title: "Public", isPublic: true });
    const member = await addMember(alice, board.id, bob, "VIEWER");
    expectFailure(
      await tenant.anonymous.gql(REMOVE_MEMBER, { id: member.id }),
      "UNAUTHENTICATED",
      "Authentication required to remove board members",
    );
    expect(await membersOf(alice, board.id)).toEqual([member]);
  });

  it("refuses to remove a membership row of the board's owner → FORBIDDEN", async () => {
    // The API never makes the owner a member; such a row can only come from outside it.
    const board = await privateBoard();
    const row = await server.prisma.boardMember.create({ data: { boardId: board.id, userId: alice.id, role: "VIEWER" } });
    expectFailure(await alice.gql(REMOVE_MEMBER, { id: row.id }), "FORBIDDEN", "Cannot remove the board owner");
    expect(await server.prisma.boardMember.count({ where: { id: row.id } })).toBe(1);
  });
});

describe("Board.members after membership changes", () => {
  let board: BoardView;
  beforeAll(async () => {
    board = await privateBoard("Roster");
  });

  it("reflects additions, role changes and removals, oldest first", async () => {
    const b = await addMember(alice, board.id, bob, "VIEWER");
    const c = await addMember(alice, board.id, carol, "EDITOR");
    const d = await addMember(alice, board.id, dave, "ADMIN");
    await server.prisma.boardMember.update({ where: { id: b.id }, data: { joinedAt: new Date(Date.UTC(2024, 0, 1, 0, 1)) } });
    await server.prisma.boardMember.update({ where: { id: c.id }, data: { joinedAt: new Date(Date.UTC(2024, 0, 1, 0, 2)) } });
    await server.prisma.boardMember.update({ where: { id: d.id }, data: { joinedAt: new Date(Date.UTC(2024, 0, 1, 0, 3)) } });
    expect((await membersOf(bob, board.id)).map((m) => [m.userId, m.role])).toEqual([
      [bob.id, "VIEWER"],
      [carol.id, "EDITOR"],
      [dave.id, "ADMIN"],
    ]);
    await alice.ok(UPDATE_MEMBER_ROLE, { id: b.id, role: "ADMIN" });
    await dave.ok(REMOVE_MEMBER, { id: c.id });
    expect((await membersOf(bob, board.id)).map((m) => [m.userId, m.role])).toEqual([
      [bob.id, "ADMIN"],
      [dave.id, "ADMIN"],
    ]);
  });
});
