/**
 * The board permission matrix, row by row, for every kind of caller: anonymous, a viewer, an
 * editor, an admin, the owner, a signed-in user of the same tenant who is not a member
 * (`stranger`) and a user of another tenant (`outsider`), on a public and on a private board.
 *
 * Reading: a board the caller may not see reads as null. Changing: anonymous callers get
 * UNAUTHENTICATED, callers who cannot see the board NOT_FOUND, and callers who can see it but
 * lack the role FORBIDDEN. Every refused mutation must leave the board as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData } from "./helpers/actors.js";
import {
  ADD_MEMBER,
  DELETE_BOARD,
  REMOVE_MEMBER,
  UPDATE_BOARD,
  UPDATE_MEMBER_ROLE,
  createCast,
  expectFailure,
  membersOf,
  readBoard,
  sharedBoard,
  type AddMemberData,
  type Caller,
  type Cast,
  type DeleteBoardData,
  type MemberView,
  type RemoveMemberData,
  type SharedBoard,
  type UpdateBoardData,
  type UpdateMemberRoleData,
} from "./helpers/boardsFixtures.js";
import { insertGeneration } from "./helpers/factories.js";
import type { GqlResult } from "./helpers/server.js";
import { startServer, type TestServer } from "./helpers/server.js";

type Who = "anonymous" | "viewer" | "editor" | "admin" | "owner" | "stranger" | "outsider";
type Visibility = "public" | "private";
type Refusal = "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND";
type Outcome = "allowed" | Refusal;
/** An outcome that depends on whether the board is public. */
type ByVisibility = { public: Outcome; private: Outcome };

const EVERYONE: Who[] = ["anonymous", "viewer", "editor", "admin", "owner", "stranger", "outsider"];
const VISIBILITIES: Visibility[] = ["public", "private"];

let server: TestServer;
let cast: Cast;
beforeAll(async () => {
  server = await startServer();
  cast = await createCast(server);
});
afterAll(() => server.close());

function callerOf(who: Who): Caller {
  return who === "anonymous" ? cast.anonymous : cast[who];
}

/** The user id behind a signed-in caller. */
function userIdOf(who: Exclude<Who, "anonymous">): string {
  return cast[who].id;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Read public board (+members, owner, generations) / read private board. */
const READ_MATRIX: Record<Visibility, Record<Who, boolean>> = {
  public: { anonymous: true, viewer: true, editor: true, admin: true, owner: true, stranger: true, outsider: false },
  private: { anonymous: false, viewer: true, editor: true, admin: true, owner: true, stranger: false, outsider: false },
};

type ReadView = {
  board: {
    id: string;
    title: string;
    isPublic: boolean;
    owner: { id: string };
    members: Array<{ id: string; role: string; user: { id: string } }>;
    generationCount: number;
    generations: Array<{ id: string }>;
  } | null;
  node: { id: string } | null;
  searchBoards: Array<{ id: string }>;
};

const READ = `query Read($id: ID!, $uuid: UUID!, $title: String!) {
  board(id: $uuid) {
    id title isPublic
    owner { id }
    members { id role user { id } }
    generationCount
    generations { id }
  }
  node(id: $id) { id }
  searchBoards(query: $title) { id }
}`;

describe("reading a board", () => {
  const boards = {} as Record<Visibility, { shared: SharedBoard; generationId: string }>;

  beforeAll(async () => {
    for (const visibility of VISIBILITIES) {
      const shared = await sharedBoard(cast, { isPublic: visibility === "public", title: `Readable ${visibility} board` });
      const generation = await insertGeneration(server.prisma, shared.board, cast.editor.id);
      boards[visibility] = { shared, generationId: generation.id };
    }
  });

  const cases = VISIBILITIES.flatMap((visibility) =>
    EVERYONE.map((who) => ({ visibility, who, readable: READ_MATRIX[visibility][who] })),
  );

  it.each(cases)("$visibility board, $who → readable: $readable", async ({ visibility, who, readable }) => {
    const { shared, generationId } = boards[visibility];
    const result = await callerOf(who).gql<ReadView>(READ, {
      id: shared.board.id,
      uuid: shared.board.id,
      title: shared.board.title,
    });
    const data = expectData(result);
    if (!readable) {
      expect(data.board).toBeNull();
      expect(data.node).toBeNull();
      expect(data.searchBoards).toEqual([]);
      return;
    }
    const m = shared.memberships;
    expect(data.board).toMatchObject({
      id: shared.board.id,
      isPublic: visibility === "public",
      owner: { id: cast.owner.id },
      generationCount: 1,
      generations: [{ id: generationId }],
    });
    const members = Object.fromEntries(data.board!.members.map((member) => [member.user.id, member.role]));
    expect(members).toEqual({
      [m.admin.userId]: "ADMIN",
      [m.editor.userId]: "EDITOR",
      [m.viewer.userId]: "VIEWER",
      [m.target.userId]: "VIEWER",
    });
    expect(data.node).toEqual({ id: shared.board.id });
    expect(data.searchBoards).toEqual([{ id: shared.board.id }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Changing

type Action = "updateBoard" | "deleteBoard" | "addMember" | "changeRole" | "removeMember";

const NOT_VISIBLE_UNLESS_PUBLIC: ByVisibility = { public: "FORBIDDEN", private: "NOT_FOUND" };

/**
 * Boards-backend §3 with this project's error codes. `removeMember` is removing someone else;
 * removing oneself is covered separately below.
 */
const MUTATION_MATRIX: Record<Action, Record<Who, Outcome | ByVisibility>> = {
  updateBoard: {
    anonymous: "UNAUTHENTICATED",
    viewer: "FORBIDDEN",
    editor: "FORBIDDEN",
    admin: "allowed",
    owner: "allowed",
    stranger: NOT_VISIBLE_UNLESS_PUBLIC,
    outsider: "NOT_FOUND",
  },
  deleteBoard: {
    anonymous: "UNAUTHENTICATED",
    viewer: "FORBIDDEN",
    editor: "FORBIDDEN",
    admin: "FORBIDDEN",
    owner: "allowed",
    stranger: NOT_VISIBLE_UNLESS_PUBLIC,
    outsider: "NOT_FOUND",
  },
  addMember: {
    anonymous: "UNAUTHENTICATED",
    viewer: "FORBIDDEN",
    editor: "FORBIDDEN",
    admin: "allowed",
    owner: "allowed",
    stranger: NOT_VISIBLE_UNLESS_PUBLIC,
    outsider: "NOT_FOUND",
  },
  changeRole: {
    anonymous: "UNAUTHENTICATED",
    viewer: "FORBIDDEN",
    editor: "FORBIDDEN",
    admin: "allowed",
    owner: "allowed",
    stranger: NOT_VISIBLE_UNLESS_PUBLIC,
    outsider: "NOT_FOUND",
  },
  removeMember: {
    anonymous: "UNAUTHENTICATED",
    viewer: "FORBIDDEN",
    editor: "FORBIDDEN",
    admin: "allowed",
    owner: "allowed",
    stranger: NOT_VISIBLE_UNLESS_PUBLIC,
    outsider: "NOT_FOUND",
  },
};

type ActionSpec = {
  /** Performs the action on `shared` as `who`. */
  run(shared: SharedBoard, caller: Caller): Promise<GqlResult>;
  /** Checks the data an allowed action returned. */
  checkResult(result: GqlResult, shared: SharedBoard, who: Who): void;
  /** Checks, as the owner, that the action took effect. */
  checkDone(shared: SharedBoard): Promise<void>;
  /** Checks, as the owner, that the board is as it was. */
  checkUntouched(shared: SharedBoard): Promise<void>;
  messages: Record<Refusal, string>;
};

const ORIGINAL_TITLE = "Matrix board";

async function roleOfTarget(shared: SharedBoard): Promise<string | undefined> {
  return (await membersOf(cast.owner, shared.board.id)).find((m) => m.id === shared.memberships.target.id)?.role;
}

const ACTIONS: Record<Action, ActionSpec> = {
  updateBoard: {
    run: (shared, caller) => caller.gql(UPDATE_BOARD, { input: { id: shared.board.id, title: "Changed", description: "changed" } }),
    checkResult(result, shared) {
      expect(expectData(result as GqlResult<UpdateBoardData>).updateBoard).toMatchObject({
        id: shared.board.id,
        title: "Changed",
        description: "changed",
      });
    },
    async checkDone(shared) {
      expect(await readBoard(cast.owner, shared.board.id)).toMatchObject({ title: "Changed", description: "changed" });
    },
    async checkUntouched(shared) {
      expect(await readBoard(cast.owner, shared.board.id)).toEqual(shared.board);
    },
    messages: {
      UNAUTHENTICATED: "Authentication required to update a board",
      FORBIDDEN: "Permission denied: only board owner or admin can update",
      NOT_FOUND: "Board not found",
    },
  },
  deleteBoard: {
    run: (shared, caller) => caller.gql(DELETE_BOARD, { id: shared.board.id }),
    checkResult(result, shared) {
      expect(expectData(result as GqlResult<DeleteBoardData>).deleteBoard).toEqual({ success: true, id: shared.board.id });
    },
    async checkDone(shared) {
      expect(await readBoard(cast.owner, shared.board.id)).toBeNull();
    },
    async checkUntouched(shared) {
      expect(await readBoard(cast.owner, shared.board.id)).toEqual(shared.board);
      expect(await membersOf(cast.owner, shared.board.id)).toHaveLength(4);
    },
    messages: {
      UNAUTHENTICATED: "Authentication required to delete a board",
      FORBIDDEN: "Permission denied: only board owner can delete",
      NOT_FOUND: "Board not found",
    },
  },
  addMember: {
    run: (shared, caller) => caller.gql(ADD_MEMBER, { boardId: shared.board.id, userId: cast.invitee.id, role: "EDITOR" }),
    checkResult(result, shared, who) {
      expect(expectData(result as GqlResult<AddMemberData>).addBoardMember).toMatchObject({
        boardId: shared.board.id,
        userId: cast.invitee.id,
        role: "EDITOR",
        invitedBy: userIdOf(who as Exclude<Who, "anonymous">),
      });
    },
    async checkDone(shared) {
      const members = await membersOf(cast.owner, shared.board.id);
      expect(members.find((m) => m.userId === cast.invitee.id)?.role).toBe("EDITOR");
    },
    async checkUntouched(shared) {
      const members = await membersOf(cast.owner, shared.board.id);
      expect(members.map((m) => m.userId)).not.toContain(cast.invitee.id);
      expect(members).toHaveLength(4);
    },
    messages: {
      UNAUTHENTICATED: "Authentication required to add board members",
      FORBIDDEN: "Permission denied: only board owner or admin can add members",
      NOT_FOUND: "Board not found",
    },
  },
  changeRole: {
    run: (shared, caller) => caller.gql(UPDATE_MEMBER_ROLE, { id: shared.memberships.target.id, role: "EDITOR" }),
    checkResult(result, shared) {
      expect(expectData(result as GqlResult<UpdateMemberRoleData>).updateBoardMemberRole).toMatchObject({
        id: shared.memberships.target.id,
        userId: cast.target.id,
        role: "EDITOR",
      });
    },
    async checkDone(shared) {
      expect(await roleOfTarget(shared)).toBe("EDITOR");
    },
    async checkUntouched(shared) {
      expect(await roleOfTarget(shared)).toBe("VIEWER");
    },
    messages: {
      UNAUTHENTICATED: "Authentication required to change member roles",
      FORBIDDEN: "Permission denied: only board owner or admin can change member roles",
      NOT_FOUND: "Board member not found",
    },
  },
  removeMember: {
    run: (shared, caller) => caller.gql(REMOVE_MEMBER, { id: shared.memberships.target.id }),
    checkResult(result, shared) {
      expect(expectData(result as GqlResult<RemoveMemberData>).removeBoardMember).toEqual({
        success: true,
        id: shared.memberships.target.id,
      });
    },
    async checkDone(shared) {
      expect(await roleOfTarget(shared)).toBeUndefined();
      expect(await membersOf(cast.owner, shared.board.id)).toHaveLength(3);
    },
    async checkUntouched(shared) {
      expect(await roleOfTarget(shared)).toBe("VIEWER");
      expect(await membersOf(cast.owner, shared.board.id)).toHaveLength(4);
    },
    messages: {
      UNAUTHENTICATED: "Authentication required to remove board members",
      FORBIDDEN: "Permission denied: insufficient permissions to remove member",
      NOT_FOUND: "Board member not found",
    },
  },
};

function outcomeOf(entry: Outcome | ByVisibility, visibility: Visibility): Outcome {
  return typeof entry === "string" ? entry : entry[visibility];
}

describe("changing a board", () => {
  const cases = (Object.keys(MUTATION_MATRIX) as Action[]).flatMap((action) =>
    VISIBILITIES.flatMap((visibility) =>
      EVERYONE.map((who) => ({ action, visibility, who, outcome: outcomeOf(MUTATION_MATRIX[action][who], visibility) })),
    ),
  );

  it.each(cases)("$action on a $visibility board by $who → $outcome", async ({ action, visibility, who, outcome }) => {
    const spec = ACTIONS[action];
    const shared = await sharedBoard(cast, { isPublic: visibility === "public", title: ORIGINAL_TITLE });
    const result = await spec.run(shared, callerOf(who));
    if (outcome === "allowed") {
      spec.checkResult(result, shared, who);
      await spec.checkDone(shared);
    } else {
      expectFailure(result, outcome, spec.messages[outcome]);
      await spec.checkUntouched(shared);
    }
  });
});

describe("removing oneself from a board (self only for viewers and editors)", () => {
  type Member = "viewer" | "editor" | "admin";
  const cases = VISIBILITIES.flatMap((visibility) =>
    (["viewer", "editor", "admin"] as Member[]).map((who) => ({ visibility, who })),
  );

  it.each(cases)("$who leaves a $visibility board → allowed", async ({ visibility, who }) => {
    const shared = await sharedBoard(cast, { isPublic: visibility === "public", title: ORIGINAL_TITLE });
    const own: MemberView = shared.memberships[who];
    const result = await cast[who].gql<RemoveMemberData>(REMOVE_MEMBER, { id: own.id });
    expect(expectData(result).removeBoardMember).toEqual({ success: true, id: own.id });
    const remaining = await membersOf(cast.owner, shared.board.id);
    expect(remaining.map((m) => m.userId)).not.toContain(cast[who].id);
    expect(remaining).toHaveLength(3);
    // Having left, they read the board as a non-member does.
    const board = await readBoard(cast[who], shared.board.id);
    if (visibility === "public") expect(board?.id).toBe(shared.board.id);
    else expect(board).toBeNull();
  });
});
