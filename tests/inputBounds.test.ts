/**
 * Hostile but well-formed requests get BAD_USER_INPUT (GraphQL) or 401 (tokens), never an
 * internal error: deeply nested JSON, lone UTF-16 surrogates in any text
 * argument, impossible dates, and token claims the database could not store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, signToken, uniqueSlug, type Actor } from "./helpers/actors.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let alice: Actor;
let boardId: string;
beforeAll(async () => {
  server = await startServer();
  alice = await (await newTenant(server)).user("alice");
  boardId = (await alice.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "b" }) { id } }`)).createBoard.id;
});
afterAll(() => server.close());

/** `{"a":{"a":…1}}` with `levels` objects. */
function nest(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
}

const CREATE_WITH_SETTINGS = `mutation($v: JSON) { createBoard(input: { title: "t", settings: $v }) { id } }`;
const CREATE_WITH_METADATA = `mutation($v: JSON) { createBoard(input: { title: "t", metadata: $v }) { id } }`;
const UPDATE_SETTINGS = `mutation($id: UUID!, $v: JSON) { updateBoard(input: { id: $id, settings: $v }) { id } }`;
const GENERATION_METADATA = `mutation($b: UUID!, $v: JSON) {
  createGeneration(input: { boardId: $b, generatorName: "image-from-prompt", artifactType: IMAGE, inputParams: { prompt: "p" }, metadata: $v }) { id }
}`;
const TAG_METADATA = `mutation($v: JSON) { createTag(input: { name: "deep", metadata: $v }) { id } }`;

describe("JSON values are bounded", () => {
  it.each([
    ["board settings", CREATE_WITH_SETTINGS],
    ["board metadata", CREATE_WITH_METADATA],
    ["generation metadata", GENERATION_METADATA],
    ["tag metadata", TAG_METADATA],
  ])("refuses %s nested 1,000 levels deep", async (_, query) => {
    expectError(await alice.gql(query, { v: nest(1000), b: boardId }), "BAD_USER_INPUT", "Input values may nest at most 64 levels deep");
  });

  it("accepts 32 levels and refuses 33, in a variable and in a literal", async () => {
    expectData(await alice.gql(CREATE_WITH_SETTINGS, { v: nest(32) }));
    expectData(await alice.gql(UPDATE_SETTINGS, { id: boardId, v: nest(32) }));
    expectError(await alice.gql(CREATE_WITH_SETTINGS, { v: nest(33) }), "BAD_USER_INPUT", /JSON values may nest at most 32 levels deep/);
    expectError(await alice.gql(UPDATE_SETTINGS, { id: boardId, v: { list: [nest(32)] } }), "BAD_USER_INPUT", /JSON values may nest at most 32 levels deep/);
    const literal = (levels: number) => `${"{ a: ".repeat(levels)}1${" }".repeat(levels)}`;
    expectData(await alice.gql(`mutation { createBoard(input: { title: "t", settings: ${literal(32)} }) { id } }`));
    const deep = await alice.gql(`mutation { createBoard(input: { title: "t", settings: ${literal(33)} }) { id } }`);
    expectError(deep, "BAD_USER_INPUT", /JSON values may nest at most 32 levels deep/);
  });

  it("refuses a literal nested 300 levels deep, creating nothing", async () => {
    const literal = `${"[".repeat(300)}1${"]".repeat(300)}`;
    const result = await alice.gql(`mutation { createBoard(input: { title: "deep literal", settings: { a: ${literal} } }) { id } }`);
    expectError(result, "BAD_USER_INPUT", /JSON values may nest at most 32 levels deep/);
    expect(await server.prisma.board.count({ where: { title: "deep literal" } })).toBe(0);
  });
});

describe("text must be well-formed Unicode", () => {
  const SURROGATE = "Text must be well-formed Unicode (no lone surrogate code points)";
  it.each<[string, string, Record<string, unknown>]>([
    ["a board title", `mutation($v: String!) { createBoard(input: { title: $v }) { id } }`, { v: "a\ud800b" }],
    ["a board description", `mutation($id: UUID!, $v: String) { updateBoard(input: { id: $id, description: $v }) { id } }`, { v: "\udc00" }],
    ["a tag name", `mutation($v: String!) { createTag(input: { name: $v }) { id } }`, { v: "tag\udbff" }],
    ["a JSON string", CREATE_WITH_SETTINGS, { v: { k: "\ud800" } }],
    ["a JSON key", CREATE_WITH_SETTINGS, { v: { "k\udc00": 1 } }],
    ["a search query", `query($v: String!) { searchBoards(query: $v) { id } }`, { v: "\ud800" }],
    ["a tag slug lookup", `query($v: String!) { tagBySlug(slug: $v) { id } }`, { v: "x\ud800" }],
    ["a member e-mail", `mutation($id: UUID!, $v: String!) { addBoardMember(boardId: $id, email: $v) { id } }`, { v: "\ud800@example.com" }],
    ["an ID", `query($v: ID!) { node(id: $v) { id } }`, { v: "\ud800" }],
    ["a filter value", `query($v: String!) { boardsConnection(filter: { title: { contains: $v } }) { totalCount } }`, { v: "\udfff" }],
  ])("refuses a lone surrogate in %s with BAD_USER_INPUT", async (_, query, variables) => {
    expectError(await alice.gql(query, { id: boardId, ...variables }), "BAD_USER_INPUT", SURROGATE);
  });

  it("keeps well-formed astral characters (surrogate pairs)", async () => {
    const data = await alice.ok<{ createBoard: { title: string } }>(`mutation($v: String!) { createBoard(input: { title: $v }) { title } }`, { v: "fox 🦊" });
    expect(data.createBoard.title).toBe("fox 🦊");
  });

  it("refuses a lone surrogate written into the document, creating nothing", async () => {
    // The JSON body carries the lone surrogate as an escape, so the document itself contains it.
    const result = await alice.gql(`mutation { createBoard(input: { title: "lone\ud800" }) { id } }`);
    expect(result.errors?.[0]?.extensions?.code).toMatch(/^(BAD_USER_INPUT|GRAPHQL_PARSE_FAILED)$/);
    expect(result.errors).toHaveLength(1);
    expect(await server.prisma.board.count({ where: { title: { startsWith: "lone" } } })).toBe(0);
  });
});

describe("date-times must name a real instant", () => {
  it.each(["0000-01-01T00:00:00Z", "2020-02-31T00:00:00Z", "2021-02-29T00:00:00Z", "2020-01-01T24:00:00Z", "2020-01-01T00:00:00+24:00"])(
    "refuses %s with BAD_USER_INPUT",
    async (value) => {
      const result = await alice.gql(`query($v: DateTime!) { boardsConnection(filter: { createdAt: { gt: $v } }) { totalCount } }`, { v: value });
      expectError(result, "BAD_USER_INPUT");
    },
  );

  it("accepts the edges of the range and leap days", async () => {
    for (const value of ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "2024-02-29T12:00:00+05:30"]) {
      expectData(await alice.gql(`query($v: DateTime!) { boardsConnection(filter: { createdAt: { gt: $v } }) { totalCount } }`, { v: value }));
    }
  });
});

describe("token claims are bounded", () => {
  const me = async (claims: Record<string, unknown>) =>
    server.gql("{ me { id } }", undefined, { token: await signToken({ sub: "bounded", ...claims } as never) });

  it.each<[string, Record<string, unknown>, string | RegExp]>([
    ["a 10 KB sub", { sub: "s".repeat(10_000) }, "Invalid token: sub claim longer than 255 characters"],
    ["a sub with NUL", { sub: "a\u0000b" }, "Invalid token: claims: Text must not contain NUL (U+0000) characters"],
    ["a sub with a lone surrogate", { sub: "a\ud800b" }, "Invalid token: claims: Text must be well-formed Unicode (no lone surrogate code points)"],
    ["a 256-character email", { email: `${"e".repeat(244)}@example.com` }, "Invalid token: email claim longer than 255 characters"],
    ["a 256-character name", { name: "n".repeat(256) }, "Invalid token: name claim longer than 255 characters"],
    ["a 256-character tenant claim", { org: "o".repeat(256) }, "Invalid token: org claim longer than 255 characters"],
    ["a long picture URL", { picture: `https://x.example/${"p".repeat(2048)}` }, "Invalid token: picture claim longer than 2048 characters"],
    ["NUL in any claim", { extra: { deep: "\u0000" } }, "Invalid token: claims: Text must not contain NUL (U+0000) characters"],
    ["claims nested 40 levels", { extra: nest(40) }, "Invalid token: claims: Input values may nest at most 32 levels deep"],
  ])("refuses a token with %s with 401", async (_, claims, message) => {
    const result = await me(claims);
    expect(result.status).toBe(401);
    expectError(result, "UNAUTHENTICATED", message);
  });

  it("accepts claims at the limits", async () => {
    const result = await me({ sub: "s".repeat(255), email: `${"e".repeat(243)}@example.com`, name: "n".repeat(255) });
    expect(expectData(result)).toEqual({ me: { id: expect.any(String) } });
  });
});

describe("JSON bodies of the REST setup endpoints", () => {
  const token = `admin-${uniqueSlug("token")}-0123456789`;
  let setup: TestServer;
  beforeAll(async () => {
    setup = await startServer({ BOARDS_ADMIN_TOKEN: token });
  });
  afterAll(() => setup.close());

  const post = (body: unknown) =>
    setup.fetch("/api/setup/tenant", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

  it.each<[string, Record<string, unknown>, string]>([
    ["settings nested 200 levels deep", { name: "Deep", settings: nest(200) }, "Input values may nest at most 32 levels deep"],
    ["a lone surrogate in the name", { name: "a\ud800" }, "Text must be well-formed Unicode (no lone surrogate code points)"],
    ["NUL in a settings key", { name: "n", settings: { "k\u0000": 1 } }, "Text must not contain NUL (U+0000) characters"],
  ])("answers 400 for %s, creating nothing", async (_, body, detail) => {
    const slug = uniqueSlug();
    const response = await post({ ...body, slug });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail });
    expect(await setup.prisma.tenant.findUnique({ where: { slug } })).toBeNull();
  });

  it("still accepts settings 32 levels deep", async () => {
    const response = await post({ name: "Ok", slug: uniqueSlug(), settings: nest(31) });
    expect(response.status).toBe(200);
  });
});
