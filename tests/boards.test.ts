/**
 * Board queries and mutations over HTTP: reading one board, the board lists (myBoards,
 * publicBoards, searchBoards), createBoard / updateBoard / deleteBoard, the Board fields and the
 * user fields that list boards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import {
  BOARD_FIELDS,
  CREATE_BOARD,
  DELETE_BOARD,
  GET_BOARD,
  REMOVE_MEMBER,
  UNKNOWN_ID,
  UPDATE_BOARD,
  addMember,
  createBoard,
  expectFailure,
  expectFieldError,
  ids,
  minute,
  readBoard,
  setBoardTimes,
  type BoardView,
  type Caller,
  type CreateBoardInput,
  type DeleteBoardData,
  type GetBoardData,
  type UpdateBoardData,
} from "./helpers/boardsFixtures.js";
import { insertGeneration } from "./helpers/factories.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The client-editable fields of a board, for exact comparisons. */
type Content = Pick<BoardView, "title" | "description" | "isPublic" | "settings" | "metadata">;
function content(board: BoardView | null): Content | null {
  if (!board) return null;
  const { title, description, isPublic, settings, metadata } = board;
  return { title, description, isPublic, settings, metadata };
}

type BoardList = Array<{ id: string; title: string; isPublic: boolean }>;
type SortOrderName = "CREATED_ASC" | "CREATED_DESC" | "UPDATED_ASC" | "UPDATED_DESC";

const MY_BOARDS = `query MyBoards($limit: Int, $offset: Int, $role: BoardQueryRole, $sort: SortOrder) {
  myBoards(limit: $limit, offset: $offset, role: $role, sort: $sort) { id title isPublic }
}`;
const PUBLIC_BOARDS = `query PublicBoards($limit: Int, $offset: Int, $sort: SortOrder) {
  publicBoards(limit: $limit, offset: $offset, sort: $sort) { id title isPublic }
}`;
const SEARCH_BOARDS = `query Search($query: String!, $limit: Int, $offset: Int) {
  searchBoards(query: $query, limit: $limit, offset: $offset) { id title isPublic }
}`;

async function myBoards(caller: Caller, args: { limit?: number; offset?: number; role?: string; sort?: SortOrderName } = {}) {
  return (await caller.ok<{ myBoards: BoardList }>(MY_BOARDS, args)).myBoards;
}
async function publicBoards(caller: Caller, args: { limit?: number; offset?: number; sort?: SortOrderName } = {}) {
  return (await caller.ok<{ publicBoards: BoardList }>(PUBLIC_BOARDS, args)).publicBoards;
}
async function search(caller: Caller, query: string, args: { limit?: number; offset?: number } = {}) {
  return (await caller.ok<{ searchBoards: BoardList }>(SEARCH_BOARDS, { query, ...args })).searchBoards;
}

describe("board(id)", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
  });

  it("returns every scalar field of a board its owner reads", async () => {
    const created = await createBoard(alice, {
      title: "Foxes",
      description: "Red ones",
      isPublic: true,
      settings: { theme: "dark", grid: { columns: 3 } },
      metadata: { source: "test", tags: ["a", "b"] },
    });
    const board = await readBoard(alice, created.id);
    expect(board).toEqual({
      id: created.id,
      tenantId: tenant.id,
      ownerId: alice.id,
      title: "Foxes",
      description: "Red ones",
      isPublic: true,
      settings: { theme: "dark", grid: { columns: 3 } },
      metadata: { source: "test", tags: ["a", "b"] },
      createdAt: created.createdAt,
      updatedAt: created.updatedAt,
    });
    expect(board!.createdAt).toMatch(ISO_DATE_TIME);
    expect(board!.updatedAt).toMatch(ISO_DATE_TIME);
  });

  it("returns null without errors for an id no board has", async () => {
    const result = await alice.gql<GetBoardData>(GET_BOARD, { id: UNKNOWN_ID });
    expect(expectData(result).board).toBeNull();
  });

  it("rejects an id that is not a UUID as BAD_USER_INPUT", async () => {
    expectFailure(await alice.gql(GET_BOARD, { id: "not-a-uuid" }), "BAD_USER_INPUT");
  });
});

describe("myBoards", () => {
  let alice: Actor;
  let bob: Actor;
  let anonymous: Caller;
  let outsider: Actor;
  const boards = {} as Record<"A1" | "A2" | "B1" | "B2" | "B3" | "C1", BoardView>;

  beforeAll(async () => {
    const tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    const carol = await tenant.user("carol");
    anonymous = tenant.anonymous;
    outsider = await (await newTenant(server)).user("alice");
    boards.A1 = await createBoard(alice, { title: "A1" });
    boards.A2 = await createBoard(alice, { title: "A2", isPublic: true });
    boards.B1 = await createBoard(bob, { title: "B1" });
    boards.B2 = await createBoard(bob, { title: "B2" });
    boards.B3 = await createBoard(bob, { title: "B3", isPublic: true });
    boards.C1 = await createBoard(carol, { title: "C1" });
    await addMember(bob, boards.B1.id, alice, "VIEWER");
    await addMember(carol, boards.C1.id, alice, "ADMIN");
    // created: A1 < A2 < B1 < C1 (B2, B3 older still); updated: A2 < C1 < B1 < A1.
    const times: Array<[keyof typeof boards, number, number]> = [
      ["B2", -2, 1],
      ["B3", -1, 2],
      ["A1", 1, 8],
      ["A2", 2, 5],
      ["B1", 3, 7],
      ["C1", 4, 6],
    ];
    for (const [name, created, updated] of times) {
      await setBoardTimes(server, boards[name].id, { createdAt: minute(created), updatedAt: minute(updated) });
    }
  });

  const titles = (list: BoardList) => list.map((b) => b.title);

  it("lists owned and member boards, most recently updated first, by default", async () => {
    expect(titles(await myBoards(alice))).toEqual(["A1", "B1", "C1", "A2"]);
  });

  it("role ANY is the default", async () => {
    expect(titles(await myBoards(alice, { role: "ANY" }))).toEqual(["A1", "B1", "C1", "A2"]);
  });

  it("role OWNER lists only owned boards, private and public", async () => {
    expect(titles(await myBoards(alice, { role: "OWNER" }))).toEqual(["A1", "A2"]);
    expect(titles(await myBoards(bob, { role: "OWNER", sort: "CREATED_ASC" }))).toEqual(["B2", "B3", "B1"]);
  });

  it("role MEMBER lists only boards the caller is a member of and does not own", async () => {
    expect(titles(await myBoards(alice, { role: "MEMBER" }))).toEqual(["B1", "C1"]);
    expect(titles(await myBoards(bob, { role: "MEMBER" }))).toEqual([]);
  });

  it("never lists another user's boards just because they are public", async () => {
    expect(titles(await myBoards(alice))).not.toContain("B3");
  });

  it.each<[SortOrderName, string[]]>([
    ["CREATED_ASC", ["A1", "A2", "B1", "C1"]],
    ["CREATED_DESC", ["C1", "B1", "A2", "A1"]],
    ["UPDATED_ASC", ["A2", "C1", "B1", "A1"]],
    ["UPDATED_DESC", ["A1", "B1", "C1", "A2"]],
  ])("sort %s", async (sort, expected) => {
    expect(titles(await myBoards(alice, { sort }))).toEqual(expected);
  });

  it("sorts within a role filter", async () => {
    expect(titles(await myBoards(alice, { role: "MEMBER", sort: "CREATED_DESC" }))).toEqual(["C1", "B1"]);
  });

  it("pages with limit and offset", async () => {
    expect(titles(await myBoards(alice, { sort: "CREATED_ASC", limit: 2 }))).toEqual(["A1", "A2"]);
    expect(titles(await myBoards(alice, { sort: "CREATED_ASC", limit: 2, offset: 2 }))).toEqual(["B1", "C1"]);
    expect(titles(await myBoards(alice, { sort: "CREATED_ASC", limit: 3, offset: 1 }))).toEqual(["A2", "B1", "C1"]);
    expect(titles(await myBoards(alice, { sort: "CREATED_ASC", offset: 3 }))).toEqual(["C1"]);
    expect(await myBoards(alice, { sort: "CREATED_ASC", offset: 4 })).toEqual([]);
  });

  it("is empty for anonymous callers", async () => {
    expect(await myBoards(anonymous)).toEqual([]);
    expect(await myBoards(anonymous, { role: "MEMBER" })).toEqual([]);
  });

  it("is empty for a user of another tenant", async () => {
    expect(await myBoards(outsider)).toEqual([]);
  });

  it.each([
    ["limit", { limit: -1 }],
    ["offset", { offset: -1 }],
  ])("rejects a negative %s as BAD_USER_INPUT", async (argument, args) => {
    const error = expectFailure(await alice.gql(MY_BOARDS, args), "BAD_USER_INPUT");
    expect(error.extensions?.argument).toBe(argument);
  });
});

describe("publicBoards", () => {
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  let anonymous: Caller;
  let outsider: Actor;
  let outsiderBoard: BoardView;

  beforeAll(async () => {
    const tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    carol = await tenant.user("carol");
    anonymous = tenant.anonymous;
    const P1 = await createBoard(alice, { title: "P1", isPublic: true });
    const P2 = await createBoard(alice, { title: "P2", isPublic: true });
    await createBoard(alice, { title: "X1" });
    const P3 = await createBoard(bob, { title: "P3", isPublic: true });
    await createBoard(bob, { title: "X2", isPublic: false });
    await setBoardTimes(server, P1.id, { createdAt: minute(1), updatedAt: minute(6) });
    await setBoardTimes(server, P2.id, { createdAt: minute(2), updatedAt: minute(4) });
    await setBoardTimes(server, P3.id, { createdAt: minute(3), updatedAt: minute(5) });
    outsider = await (await newTenant(server)).user("oscar");
    outsiderBoard = await createBoard(outsider, { title: "O1", isPublic: true });
  });

  const titles = (list: BoardList) => list.map((b) => b.title);

  it("lists only public boards of the tenant, most recently updated first, for everyone", async () => {
    for (const caller of [anonymous, alice, bob, carol]) {
      const list = await publicBoards(caller);
      expect(titles(list)).toEqual(["P1", "P3", "P2"]);
      expect(list.every((b) => b.isPublic)).toBe(true);
    }
  });

  it.each<[SortOrderName, string[]]>([
    ["CREATED_ASC", ["P1", "P2", "P3"]],
    ["CREATED_DESC", ["P3", "P2", "P1"]],
    ["UPDATED_ASC", ["P2", "P3", "P1"]],
    ["UPDATED_DESC", ["P1", "P3", "P2"]],
  ])("sort %s", async (sort, expected) => {
    expect(titles(await publicBoards(anonymous, { sort }))).toEqual(expected);
  });

  it("pages with limit and offset", async () => {
    expect(titles(await publicBoards(anonymous, { sort: "CREATED_ASC", limit: 2 }))).toEqual(["P1", "P2"]);
    expect(titles(await publicBoards(anonymous, { sort: "CREATED_ASC", limit: 2, offset: 2 }))).toEqual(["P3"]);
    expect(titles(await publicBoards(alice, { sort: "CREATED_ASC", limit: 1, offset: 1 }))).toEqual(["P2"]);
    expect(await publicBoards(anonymous, { offset: 3 })).toEqual([]);
  });

  it("never lists public boards of another tenant", async () => {
    expect(titles(await publicBoards(outsider))).toEqual(["O1"]);
    expect(ids(await publicBoards(alice))).not.toContain(outsiderBoard.id);
  });

  it("is empty for an anonymous caller of a tenant nobody has signed into", async () => {
    const empty = await newTenant(server);
    expect(await publicBoards(empty.anonymous)).toEqual([]);
  });

  it("rejects a negative limit as BAD_USER_INPUT", async () => {
    expectFailure(await anonymous.gql(PUBLIC_BOARDS, { limit: -1 }), "BAD_USER_INPUT");
  });
});

describe("searchBoards", () => {
  let alice: Actor;
  let bob: Actor;
  let anonymous: Caller;
  let outsider: Actor;

  beforeAll(async () => {
    const tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    anonymous = tenant.anonymous;
    const made: BoardView[] = [
      await createBoard(alice, { title: "Red Fox Sketches" }),
      await createBoard(alice, { title: "Birds", description: "A FOX in the henhouse" }),
      await createBoard(bob, { title: "fox (public)", isPublic: true }),
      await createBoard(bob, { title: "Private foxes" }),
      await createBoard(bob, { title: "Shared fOx" }),
      await createBoard(bob, { title: "Cats", description: "no canines here", isPublic: true }),
    ];
    await addMember(bob, made[4]!.id, alice, "VIEWER");
    for (const [i, board] of made.entries()) {
      await setBoardTimes(server, board.id, { createdAt: minute(i), updatedAt: minute(10 + i) });
    }
    outsider = await (await newTenant(server)).user("oscar");
    await createBoard(outsider, { title: "Fox elsewhere", isPublic: true });
  });

  const titles = (list: BoardList) => list.map((b) => b.title);

  it("matches title or description, case-insensitively, among boards the caller may read, newest update first", async () => {
    const expected = ["Shared fOx", "fox (public)", "Birds", "Red Fox Sketches"];
    expect(titles(await search(alice, "fox"))).toEqual(expected);
    expect(titles(await search(alice, "FOX"))).toEqual(expected);
    expect(titles(await search(alice, "fOx"))).toEqual(expected);
  });

  it("matches the description alone", async () => {
    expect(titles(await search(alice, "henhouse"))).toEqual(["Birds"]);
    expect(titles(await search(alice, "HENHOUSE"))).toEqual(["Birds"]);
  });

  it("shows each user only what they may read", async () => {
    expect(titles(await search(bob, "fox"))).toEqual(["Shared fOx", "Private foxes", "fox (public)"]);
  });

  it("shows anonymous callers only public boards", async () => {
    expect(titles(await search(anonymous, "fox"))).toEqual(["fox (public)"]);
    expect(titles(await search(anonymous, "henhouse"))).toEqual([]);
  });

  it("returns every accessible board for an empty query", async () => {
    expect(titles(await search(alice, ""))).toEqual(["Cats", "Shared fOx", "fox (public)", "Birds", "Red Fox Sketches"]);
    expect(titles(await search(anonymous, ""))).toEqual(["Cats", "fox (public)"]);
  });

  it("handles a query containing a NUL character as bad input or as matching nothing, never as an internal error", async () => {
    const result = await alice.gql<{ searchBoards: BoardList }>(SEARCH_BOARDS, { query: "fox\u0000" });
    if (result.errors) expectFailure(result, "BAD_USER_INPUT");
    else expect(result.data).toEqual({ searchBoards: [] });
  });

  it("returns nothing when nothing matches", async () => {
    expect(await search(alice, "zebra")).toEqual([]);
  });

  it("pages with limit and offset", async () => {
    expect(titles(await search(alice, "fox", { limit: 2 }))).toEqual(["Shared fOx", "fox (public)"]);
    expect(titles(await search(alice, "fox", { limit: 2, offset: 1 }))).toEqual(["fox (public)", "Birds"]);
    expect(await search(alice, "fox", { offset: 4 })).toEqual([]);
  });

  it("never finds boards of another tenant, public or not", async () => {
    expect(titles(await search(outsider, "fox"))).toEqual(["Fox elsewhere"]);
    expect(titles(await search(alice, "elsewhere"))).toEqual([]);
    expect(titles(await search(anonymous, "elsewhere"))).toEqual([]);
  });

  describe("wildcard characters match literally", () => {
    let carol: Actor;
    beforeAll(async () => {
      carol = await (await newTenant(server)).user("carol");
      for (const title of ["50% off", "50 percent off", "snake_case", "snakeXcase", "back\\slash", "backslash"]) {
        await createBoard(carol, { title });
      }
    });

    it.each<[string, string[]]>([
      ["50%", ["50% off"]],
      ["%", ["50% off"]],
      ["e_c", ["snake_case"]],
      ["_", ["snake_case"]],
      ["\\", ["back\\slash"]],
      ["k\\s", ["back\\slash"]],
    ])("query %j", async (query, expected) => {
      expect(titles(await search(carol, query))).toEqual(expected);
    });
  });
});

describe("createBoard", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
  });

  it("creates a private board owned by the caller with empty settings and metadata by default", async () => {
    const board = await createBoard(alice, { title: "Defaults" });
    expect(board).toMatchObject({ tenantId: tenant.id, ownerId: alice.id });
    expect(content(board)).toEqual({ title: "Defaults", description: null, isPublic: false, settings: {}, metadata: {} });
    expect(board.createdAt).toMatch(ISO_DATE_TIME);
    expect(await readBoard(alice, board.id)).toEqual(board);
    expect(await readBoard(tenant.anonymous, board.id)).toBeNull();
  });

  it("stores every given field", async () => {
    const input = {
      title: "Everything",
      description: "All the fields",
      isPublic: true,
      settings: { layout: "grid", zoom: 1.5, flags: [true, false, null], nested: { deep: { deeper: "x" } } },
      metadata: { client: "web", version: 3 },
    };
    const board = await createBoard(alice, input);
    expect(content(board)).toEqual(input);
    expect(content(await readBoard(tenant.anonymous, board.id))).toEqual(input);
  });

  it("treats explicit null settings, metadata and description as their defaults", async () => {
    const board = await createBoard(alice, { title: "Nulls", description: null, settings: null, metadata: null });
    expect(content(board)).toEqual({ title: "Nulls", description: null, isPublic: false, settings: {}, metadata: {} });
  });

  it("accepts a title of exactly 255 characters, counting characters rather than bytes", async () => {
    expect((await createBoard(alice, { title: "t".repeat(255) })).title).toBe("t".repeat(255));
    expect((await createBoard(alice, { title: "🦊".repeat(255) })).title).toBe("🦊".repeat(255));
  });

  it("accepts settings of exactly 64 KiB of JSON", async () => {
    // {"blob":"…"} is 11 bytes of JSON around the string.
    const settings = { blob: "x".repeat(64 * 1024 - 11) };
    expect(Buffer.byteLength(JSON.stringify(settings))).toBe(64 * 1024);
    expect((await createBoard(alice, { title: "Big", settings })).settings).toEqual(settings);
  });

  describe("rejects invalid input with BAD_USER_INPUT and fieldErrors, creating nothing", () => {
    let bob: Actor;
    beforeAll(async () => {
      bob = await tenant.user("bob");
    });
    const oversize = { blob: "x".repeat(64 * 1024 - 10) };
    it.each<[string, CreateBoardInput, string, string | undefined]>([
      ["an empty title", { title: "" }, "title", "must not be empty"],
      ["a whitespace-only title", { title: "  \t\n " }, "title", "must not be empty"],
      ["a title of 256 characters", { title: "t".repeat(256) }, "title", "must be at most 255 characters"],
      ["a title of 256 emoji", { title: "🦊".repeat(256) }, "title", "must be at most 255 characters"],
      ["settings that are an array", { title: "x", settings: [1, 2] }, "settings", "must be a JSON object"],
      ["settings that are a string", { title: "x", settings: "dark" }, "settings", "must be a JSON object"],
      ["settings that are a number", { title: "x", settings: 42 }, "settings", "must be a JSON object"],
      ["settings that are a boolean", { title: "x", settings: true }, "settings", "must be a JSON object"],
      ["metadata that is an array", { title: "x", metadata: ["a"] }, "metadata", "must be a JSON object"],
      ["settings over 64 KiB", { title: "x", settings: oversize }, "settings", undefined],
      ["metadata over 64 KiB", { title: "x", metadata: oversize }, "metadata", undefined],
      ["a description over 10,000 characters", { title: "x", description: "d".repeat(10_001) }, "description", undefined],
    ])("%s", async (_name, input, field, message) => {
      expectFieldError(await bob.gql(CREATE_BOARD, { input }), field, message);
    });

    it("reports every invalid field at once", async () => {
      const error = expectFailure(await bob.gql(CREATE_BOARD, { input: { title: "", settings: 3, metadata: "m" } }), "BAD_USER_INPUT");
      const fields = (error.extensions?.fieldErrors as Array<{ field: string }>).map((e) => e.field);
      expect(fields.sort()).toEqual(["metadata", "settings", "title"]);
    });

    it.each([
      ["title", { title: "nul\u0000byte" }],
      ["description", { title: "x", description: "nul\u0000byte" }],
      ["settings", { title: "x", settings: { key: "nul\u0000byte" } }],
    ])("text with a NUL character in %s (which PostgreSQL cannot store)", async (_field, input) => {
      expectFailure(await bob.gql(CREATE_BOARD, { input }), "BAD_USER_INPUT");
    });

    it("created no board for any of them", async () => {
      expect(await myBoards(bob)).toEqual([]);
    });
  });

  describe("stores hostile and unusual text unchanged", () => {
    const HOSTILE = [
      "<script>alert('xss')</script>",
      "Robert'); DROP TABLE boards;--",
      `" OR 1=1; SELECT * FROM users; --`,
      "Ünïcødé — 日本語 — עברית — 🦊👩‍👩‍👧‍👦",
      "e\u0301 is not é",
      "\u202Eright-to-left override",
      "{{7*7}} ${7*7} %s %n \\n",
      "line\nbreak\ttab",
    ];

    it.each(HOSTILE)("%j", async (text) => {
      const input = {
        isPublic: false,
        title: text,
        description: text,
        settings: { [text]: text, list: [text] },
        metadata: { nested: { value: text } },
      };
      const created = await createBoard(alice, input);
      expect(content(created)).toEqual(input);
      expect(content(await readBoard(alice, created.id))).toEqual(input);
    });

    it("can search for such text literally", async () => {
      const found = await search(alice, "'); DROP TABLE");
      expect(found.map((b) => b.title)).toEqual(["Robert'); DROP TABLE boards;--"]);
      expect((await search(alice, "日本語")).map((b) => b.title)).toEqual(["Ünïcødé — 日本語 — עברית — 🦊👩‍👩‍👧‍👦"]);
    });
  });

  it("refuses anonymous callers with UNAUTHENTICATED", async () => {
    expectFailure(
      await tenant.anonymous.gql(CREATE_BOARD, { input: { title: "Nope" } }),
      "UNAUTHENTICATED",
      "Authentication required to create a board",
    );
  });
});

describe("updateBoard", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  const full = {
    title: "Original",
    description: "Original description",
    isPublic: false,
    settings: { theme: "dark", columns: 3 },
    metadata: { source: "import" },
  };
  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
  });

  /** A board with every field set, last updated in the past. */
  async function freshBoard(): Promise<BoardView> {
    const board = await createBoard(alice, full);
    await setBoardTimes(server, board.id, { createdAt: minute(0), updatedAt: minute(0) });
    return (await readBoard(alice, board.id))!;
  }
  const update = async (input: Record<string, unknown>) => (await alice.ok<UpdateBoardData>(UPDATE_BOARD, { input })).updateBoard;

  it("changes only the fields given and returns the updated board", async () => {
    const before = await freshBoard();
    const after = await update({ id: before.id, title: "Renamed" });
    expect(content(after)).toEqual({ ...full, title: "Renamed" });
    expect(after).toMatchObject({ id: before.id, ownerId: alice.id, createdAt: before.createdAt });
    expect(new Date(after.updatedAt).getTime()).toBeGreaterThan(new Date(before.updatedAt).getTime());
    expect(await readBoard(alice, before.id)).toEqual(after);
  });

  it.each<[string, Record<string, unknown>]>([
    ["description", { description: "New description" }],
    ["isPublic", { isPublic: true }],
    ["settings", { settings: { theme: "light" } }],
    ["metadata", { metadata: { source: "manual", extra: [1, 2] } }],
  ])("changes %s alone", async (_field, change) => {
    const before = await freshBoard();
    const after = await update({ id: before.id, ...change });
    expect(content(after)).toEqual({ ...full, ...change });
    expect(content(await readBoard(alice, before.id))).toEqual({ ...full, ...change });
  });

  it("replaces settings and metadata wholesale rather than merging", async () => {
    const before = await freshBoard();
    const after = await update({ id: before.id, settings: { zoom: 2 }, metadata: {} });
    expect(after.settings).toEqual({ zoom: 2 });
    expect(after.metadata).toEqual({});
  });

  it("leaves the board unchanged when only the id is given", async () => {
    const before = await freshBoard();
    const after = await update({ id: before.id });
    expect(after.id).toBe(before.id);
    expect(content(after)).toEqual(full);
  });

  it("clears the description with an explicit null", async () => {
    const before = await freshBoard();
    expect(content(await update({ id: before.id, description: null }))).toEqual({ ...full, description: null });
    expect((await readBoard(alice, before.id))!.description).toBeNull();
  });

  it("resets settings and metadata to {} with an explicit null", async () => {
    const before = await freshBoard();
    expect(content(await update({ id: before.id, settings: null }))).toEqual({ ...full, settings: {} });
    expect(content(await update({ id: before.id, metadata: null }))).toEqual({ ...full, settings: {}, metadata: {} });
    expect(content(await readBoard(alice, before.id))).toEqual({ ...full, settings: {}, metadata: {} });
  });

  it("treats explicit nulls in a literal input the same as in variables", async () => {
    const before = await freshBoard();
    const data = await alice.ok<UpdateBoardData>(
      `mutation($id: UUID!) { updateBoard(input: { id: $id, description: null, settings: null }) { ${BOARD_FIELDS} } }`,
      { id: before.id },
    );
    expect(content(data.updateBoard)).toEqual({ ...full, description: null, settings: {} });
  });

  it("making a board public lists it in publicBoards and lets anonymous callers read it; making it private again hides it", async () => {
    const before = await freshBoard();
    expect(await readBoard(tenant.anonymous, before.id)).toBeNull();
    await update({ id: before.id, isPublic: true });
    expect(ids(await publicBoards(tenant.anonymous))).toContain(before.id);
    expect((await readBoard(tenant.anonymous, before.id))?.title).toBe(full.title);
    await update({ id: before.id, isPublic: false });
    expect(ids(await publicBoards(tenant.anonymous))).not.toContain(before.id);
    expect(await readBoard(tenant.anonymous, before.id)).toBeNull();
  });

  describe("errors leave the board unchanged", () => {
    it.each<[string, Record<string, unknown>, string, string | undefined]>([
      ["null title", { title: null }, "title", "cannot be null"],
      ["null isPublic", { isPublic: null }, "isPublic", "cannot be null"],
      ["empty title", { title: "" }, "title", "must not be empty"],
      ["whitespace-only title", { title: "   " }, "title", "must not be empty"],
      ["title over 255 characters", { title: "t".repeat(256) }, "title", "must be at most 255 characters"],
      ["settings not an object", { settings: ["a"] }, "settings", "must be a JSON object"],
      ["settings a string", { settings: "dark" }, "settings", "must be a JSON object"],
      ["metadata not an object", { metadata: 7 }, "metadata", "must be a JSON object"],
      ["settings over 64 KiB", { settings: { blob: "x".repeat(64 * 1024) } }, "settings", undefined],
      ["description over 10,000 characters", { description: "d".repeat(10_001) }, "description", undefined],
    ])("%s → BAD_USER_INPUT", async (_name, change, field, message) => {
      const before = await freshBoard();
      expectFieldError(await alice.gql(UPDATE_BOARD, { input: { id: before.id, ...change } }), field, message);
      expect(await readBoard(alice, before.id)).toEqual(before);
    });

    it.each<[string, Record<string, unknown>]>([
      ["title", { title: "nul\u0000byte" }],
      ["description", { description: "nul\u0000byte" }],
      ["metadata", { metadata: { key: "nul\u0000byte" } }],
    ])("text with a NUL character in %s → BAD_USER_INPUT", async (_field, change) => {
      const before = await freshBoard();
      expectFailure(await alice.gql(UPDATE_BOARD, { input: { id: before.id, ...change } }), "BAD_USER_INPUT");
      expect(await readBoard(alice, before.id)).toEqual(before);
    });

    it("an unknown id → NOT_FOUND", async () => {
      expectFailure(await alice.gql(UPDATE_BOARD, { input: { id: UNKNOWN_ID, title: "x" } }), "NOT_FOUND", "Board not found");
    });

    it("an id that is not a UUID → BAD_USER_INPUT", async () => {
      expectFailure(await alice.gql(UPDATE_BOARD, { input: { id: "board-1", title: "x" } }), "BAD_USER_INPUT");
    });

    it("an anonymous caller → UNAUTHENTICATED", async () => {
      const before = await freshBoard();
      expectFailure(
        await tenant.anonymous.gql(UPDATE_BOARD, { input: { id: before.id, title: "Hacked" } }),
        "UNAUTHENTICATED",
        "Authentication required to update a board",
      );
      expect(await readBoard(alice, before.id)).toEqual(before);
    });

    it("a viewer → FORBIDDEN", async () => {
      const before = await freshBoard();
      const victor = await tenant.user("victor");
      await addMember(alice, before.id, victor, "VIEWER");
      expectFailure(
        await victor.gql(UPDATE_BOARD, { input: { id: before.id, title: "Hacked" } }),
        "FORBIDDEN",
        "Permission denied: only board owner or admin can update",
      );
      expect((await readBoard(alice, before.id))!.title).toBe(full.title);
    });

    it("a user who may not see the board → NOT_FOUND", async () => {
      const before = await freshBoard();
      const stan = await tenant.user("stan");
      expectFailure(await stan.gql(UPDATE_BOARD, { input: { id: before.id, title: "Hacked" } }), "NOT_FOUND", "Board not found");
      expect((await readBoard(alice, before.id))!.title).toBe(full.title);
    });
  });
});

describe("deleteBoard", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    carol = await tenant.user("carol");
  });

  it("deletes the board with its members and generations, and nothing else", async () => {
    const doomed = await createBoard(alice, { title: "Doomed" });
    const kept = await createBoard(alice, { title: "Kept" });
    const bobMember = await addMember(alice, doomed.id, bob, "VIEWER");
    await addMember(alice, doomed.id, carol, "EDITOR");
    const keptMember = await addMember(alice, kept.id, bob, "VIEWER");
    const doomedGenerations = [
      await insertGeneration(server.prisma, doomed, alice.id),
      await insertGeneration(server.prisma, doomed, carol.id),
      await insertGeneration(server.prisma, doomed, alice.id, { status: "PENDING", progress: 0, storageUrl: null }),
    ];
    const keptGeneration = await insertGeneration(server.prisma, kept, alice.id);
    const { createTag } = await alice.ok<{ createTag: { id: string } }>(`mutation { createTag(input: { name: "Doomed tag" }) { id } }`);
    await alice.ok(`mutation($g: UUID!, $t: UUID!) { addTagToGeneration(generationId: $g, tagId: $t) { id } }`, {
      g: doomedGenerations[0]!.id,
      t: createTag.id,
    });

    const result = await alice.ok<DeleteBoardData>(DELETE_BOARD, { id: doomed.id });
    expect(result.deleteBoard).toEqual({ success: true, id: doomed.id });

    // The board is gone for everyone.
    expect(await readBoard(alice, doomed.id)).toBeNull();
    expect(await readBoard(bob, doomed.id)).toBeNull();
    expect(ids(await myBoards(alice))).toEqual([kept.id]);
    expect(ids(await myBoards(bob))).toEqual([kept.id]);
    expect(await myBoards(carol)).toEqual([]);

    // Its generations are gone.
    for (const generation of doomedGenerations) {
      const { generation: read } = await alice.ok<{ generation: { id: string } | null }>(
        `query($id: UUID!) { generation(id: $id) { id } }`,
        { id: generation.id },
      );
      expect(read).toBeNull();
    }
    expect(await server.prisma.generation.count({ where: { boardId: doomed.id } })).toBe(0);
    expect(await server.prisma.boardMember.count({ where: { boardId: doomed.id } })).toBe(0);
    expect(await server.prisma.generationTag.count({ where: { tagId: createTag.id } })).toBe(0);

    // Its memberships are gone.
    expectFailure(await alice.gql(REMOVE_MEMBER, { id: bobMember.id }), "NOT_FOUND");

    // The other board, its member and generation, and the tag itself remain.
    const keptView = await alice.ok<{ board: { generationCount: number; members: Array<{ id: string }>; generations: Array<{ id: string }> } }>(
      `query($id: UUID!) { board(id: $id) { generationCount members { id } generations { id } } }`,
      { id: kept.id },
    );
    expect(keptView.board).toEqual({ generationCount: 1, members: [{ id: keptMember.id }], generations: [{ id: keptGeneration.id }] });
    const { tag } = await alice.ok<{ tag: { id: string } | null }>(`query($id: UUID!) { tag(id: $id) { id } }`, { id: createTag.id });
    expect(tag).toEqual({ id: createTag.id });
  });

  it("a second delete of the same board → NOT_FOUND", async () => {
    const board = await createBoard(alice, { title: "Twice" });
    await alice.ok(DELETE_BOARD, { id: board.id });
    expectFailure(await alice.gql(DELETE_BOARD, { id: board.id }), "NOT_FOUND", "Board not found");
  });

  it("an unknown id → NOT_FOUND", async () => {
    expectFailure(await alice.gql(DELETE_BOARD, { id: UNKNOWN_ID }), "NOT_FOUND", "Board not found");
  });

  it("an id that is not a UUID → BAD_USER_INPUT", async () => {
    expectFailure(await alice.gql(DELETE_BOARD, { id: "123" }), "BAD_USER_INPUT");
  });

  it("an anonymous caller → UNAUTHENTICATED, and the board remains", async () => {
    const board = await createBoard(alice, { title: "Public survivor", isPublic: true });
    expectFailure(
      await tenant.anonymous.gql(DELETE_BOARD, { id: board.id }),
      "UNAUTHENTICATED",
      "Authentication required to delete a board",
    );
    expect(await readBoard(alice, board.id)).not.toBeNull();
  });
});

describe("Board fields", () => {
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  let board: BoardView;
  beforeAll(async () => {
    const tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    carol = await tenant.user("carol");
    board = await createBoard(alice, { title: "Fields", isPublic: true });
  });

  it("owner is the owning user", async () => {
    const data = await carol.ok<{ board: { owner: { id: string; email: string; displayName: string } } }>(
      `query($id: UUID!) { board(id: $id) { owner { id email displayName } } }`,
      { id: board.id },
    );
    expect(data.board.owner).toEqual({ id: alice.id, email: alice.email, displayName: "Alice" });
  });

  it("members lists memberships oldest first, with their users and inviters, and never the owner", async () => {
    const b = await createBoard(alice, { title: "Members" });
    const carolMember = await addMember(alice, b.id, carol, "EDITOR");
    const bobMember = await addMember(alice, b.id, bob, "ADMIN");
    // Bob joined first, although his row was written second.
    await server.prisma.boardMember.update({ where: { id: bobMember.id }, data: { joinedAt: minute(1) } });
    await server.prisma.boardMember.update({ where: { id: carolMember.id }, data: { joinedAt: minute(2) } });
    const data = await carol.ok<{
      board: { members: Array<{ id: string; role: string; userId: string; user: { id: string; email: string }; inviter: { id: string } }> };
    }>(`query($id: UUID!) { board(id: $id) { members { id role userId user { id email } inviter { id } } } }`, { id: b.id });
    expect(data.board.members).toEqual([
      { id: bobMember.id, role: "ADMIN", userId: bob.id, user: { id: bob.id, email: bob.email }, inviter: { id: alice.id } },
      { id: carolMember.id, role: "EDITOR", userId: carol.id, user: { id: carol.id, email: carol.email }, inviter: { id: alice.id } },
    ]);
  });

  it("members is empty for a board with no members", async () => {
    const data = await alice.ok<{ board: { members: unknown[] } }>(`query($id: UUID!) { board(id: $id) { members { id } } }`, {
      id: board.id,
    });
    expect(data.board.members).toEqual([]);
  });

  describe("generations and generationCount", () => {
    let withGenerations: BoardView;
    let newest: string;
    let middle: string;
    let oldest: string;
    type GenerationsData = {
      board: {
        generationCount: number;
        generations: Array<{ id: string; boardId: string; status: string; artifactType: string; inputParams: unknown; outputMetadata: unknown }>;
      };
    };
    const GENERATIONS = `query($id: UUID!, $limit: Int, $offset: Int) {
      board(id: $id) { generationCount generations(limit: $limit, offset: $offset) { id boardId status artifactType inputParams outputMetadata } }
    }`;

    beforeAll(async () => {
      withGenerations = await createBoard(alice, { title: "Generations", isPublic: true });
      const other = await createBoard(alice, { title: "Other" });
      await insertGeneration(server.prisma, other, alice.id, { createdAt: minute(5) });
      oldest = (await insertGeneration(server.prisma, withGenerations, alice.id, { createdAt: minute(1), inputParams: { prompt: "oldest" } })).id;
      newest = (
        await insertGeneration(server.prisma, withGenerations, bob.id, {
          createdAt: minute(3),
          artifactType: "VIDEO",
          status: "PENDING",
          inputParams: { prompt: "newest" },
          outputMetadata: {},
        })
      ).id;
      middle = (await insertGeneration(server.prisma, withGenerations, alice.id, { createdAt: minute(2), inputParams: { prompt: "middle" } })).id;
    });

    const read = async (args: { limit?: number; offset?: number } = {}) =>
      (await carol.ok<GenerationsData>(GENERATIONS, { id: withGenerations.id, ...args })).board;

    it("lists the board's generations newest first, with their values", async () => {
      const data = await read();
      expect(ids(data.generations)).toEqual([newest, middle, oldest]);
      expect(data.generations[0]).toEqual({
        id: newest,
        boardId: withGenerations.id,
        status: "PENDING",
        artifactType: "VIDEO",
        inputParams: { prompt: "newest" },
        outputMetadata: {},
      });
      expect(data.generations[2]).toEqual({
        id: oldest,
        boardId: withGenerations.id,
        status: "COMPLETED",
        artifactType: "IMAGE",
        inputParams: { prompt: "oldest" },
        outputMetadata: { format: "png", width: 64, height: 64 },
      });
    });

    it("pages with limit and offset", async () => {
      expect(ids((await read({ limit: 1 })).generations)).toEqual([newest]);
      expect(ids((await read({ offset: 1 })).generations)).toEqual([middle, oldest]);
      expect(ids((await read({ limit: 1, offset: 1 })).generations)).toEqual([middle]);
      expect((await read({ offset: 3 })).generations).toEqual([]);
    });

    it("generationCount counts the board's generations only", async () => {
      expect((await read()).generationCount).toBe(3);
      expect((await read({ limit: 1 })).generationCount).toBe(3);
    });

    it("generationCount is 0 and generations empty for a board without generations", async () => {
      const data = await alice.ok<GenerationsData>(GENERATIONS, { id: board.id });
      expect(data.board).toEqual({ generationCount: 0, generations: [] });
    });

    it("rejects a negative generations limit as BAD_USER_INPUT", async () => {
      const result = await carol.gql(GENERATIONS, { id: withGenerations.id, limit: -1 });
      expectError(result, "BAD_USER_INPUT");
      expect(result.data).toEqual({ board: null });
    });
  });
});

describe("me, user(id), User.boards and User.memberBoards", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  let dave: Actor;
  let outsider: Actor;
  let bPublic: BoardView;
  let bPrivate: BoardView;
  let bShared: BoardView;

  type UserBoards = { id: string; boards: Array<{ id: string }>; memberBoards: Array<{ id: string }> };
  const USER = `query($id: UUID!) { user(id: $id) { id tenantId email displayName authProvider authSubject } }`;
  const USER_BOARDS = `query($id: UUID!) { user(id: $id) { id boards { id } memberBoards { id } } }`;
  const ME_BOARDS = `{ me { id boards { id } memberBoards { id } } }`;

  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    carol = await tenant.user("carol");
    dave = await tenant.user("dave");
    outsider = await (await newTenant(server)).user("oscar");
    bPublic = await createBoard(bob, { title: "Bob public", isPublic: true });
    bPrivate = await createBoard(bob, { title: "Bob private" });
    bShared = await createBoard(bob, { title: "Bob shared" });
    await addMember(bob, bShared.id, alice, "VIEWER");
    await addMember(bob, bShared.id, carol, "EDITOR");
    await addMember(bob, bPrivate.id, carol, "VIEWER");
    await addMember(bob, bPublic.id, carol, "ADMIN");
    await setBoardTimes(server, bPublic.id, { updatedAt: minute(1) });
    await setBoardTimes(server, bPrivate.id, { updatedAt: minute(2) });
    await setBoardTimes(server, bShared.id, { updatedAt: minute(3) });
  });

  it("me is the signed-in user", async () => {
    const { me } = await alice.ok<{ me: Record<string, unknown> }>(`{ me { id tenantId email displayName authProvider authSubject } }`);
    expect(me).toEqual({
      id: alice.id,
      tenantId: tenant.id,
      email: alice.email,
      displayName: "Alice",
      authProvider: "jwt",
      authSubject: alice.sub,
    });
  });

  it("me is null for anonymous callers", async () => {
    expect((await tenant.anonymous.ok<{ me: unknown }>(`{ me { id } }`)).me).toBeNull();
  });

  it("user(id) returns a user of the caller's tenant", async () => {
    const { user } = await alice.ok<{ user: Record<string, unknown> | null }>(USER, { id: bob.id });
    expect(user).toEqual({ id: bob.id, tenantId: tenant.id, email: bob.email, displayName: "Bob", authProvider: "jwt", authSubject: bob.sub });
  });

  it.each<[string, () => Caller, () => string]>([
    ["an unknown id", () => alice, () => UNKNOWN_ID],
    ["a user of another tenant", () => alice, () => outsider.id],
    ["a caller of another tenant asking for a user of this one", () => outsider, () => bob.id],
    ["an anonymous caller", () => tenant.anonymous, () => bob.id],
  ])("user(id) is null for %s", async (_name, caller, id) => {
    const result = await caller().gql<{ user: unknown }>(USER, { id: id() });
    expect(expectData(result).user).toBeNull();
  });

  it("User.boards lists the boards the user owns that the caller may read, most recently updated first", async () => {
    expect(ids((await alice.ok<{ user: UserBoards }>(USER_BOARDS, { id: bob.id })).user.boards)).toEqual([bShared.id, bPublic.id]);
    expect(ids((await dave.ok<{ user: UserBoards }>(USER_BOARDS, { id: bob.id })).user.boards)).toEqual([bPublic.id]);
    expect(ids((await bob.ok<{ me: UserBoards }>(ME_BOARDS)).me.boards)).toEqual([bShared.id, bPrivate.id, bPublic.id]);
  });

  it("User.memberBoards lists the boards the user is a member of that the caller may read, most recently updated first", async () => {
    expect(ids((await alice.ok<{ user: UserBoards }>(USER_BOARDS, { id: carol.id })).user.memberBoards)).toEqual([bShared.id, bPublic.id]);
    expect(ids((await dave.ok<{ user: UserBoards }>(USER_BOARDS, { id: carol.id })).user.memberBoards)).toEqual([bPublic.id]);
    expect(ids((await carol.ok<{ me: UserBoards }>(ME_BOARDS)).me.memberBoards)).toEqual([bShared.id, bPrivate.id, bPublic.id]);
  });

  it("an owner's memberBoards and a pure member's boards are empty", async () => {
    const bobView = (await bob.ok<{ me: UserBoards }>(ME_BOARDS)).me;
    expect(bobView.memberBoards).toEqual([]);
    const carolView = (await carol.ok<{ me: UserBoards }>(ME_BOARDS)).me;
    expect(carolView.boards).toEqual([]);
  });
});
