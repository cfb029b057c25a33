import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, signToken, type Actor, type TenantHandle } from "./helpers/actors.js";
import { addBoardMember, addGeneration, createBoard, createTag, ids, type Caller } from "./helpers/taggingFixtures.js";
import { startServer, type GqlResult, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const ADD_TAG = `mutation($generationId: UUID!, $tagId: UUID!) { addTagToGeneration(generationId: $generationId, tagId: $tagId) { id } }`;
const REMOVE_TAG = `mutation($generationId: UUID!, $tagId: UUID!) { removeTagFromGeneration(generationId: $generationId, tagId: $tagId) }`;

/** A caller with a self-signed token for `sub` in `tenant`. */
async function subjectIn(sub: string, tenant: string) {
  const token = await signToken({ sub, email: `${sub}@example.test` });
  const gql = <T>(query: string, variables?: Record<string, unknown>) => server.gql<T>(query, variables, { token, tenant });
  const ok = async <T>(query: string, variables?: Record<string, unknown>) => expectData(await gql<T>(query, variables));
  const me = (await ok<{ me: { id: string; tenantId: string; authSubject: string } }>(`{ me { id tenantId authSubject } }`)).me;
  return { me, gql, ok };
}

describe("the same subject in two tenants", () => {
  it("is two distinct users who share nothing", async () => {
    const tenantA = await newTenant(server);
    const tenantB = await newTenant(server);
    const alice = await tenantA.user("alice");
    await tenantB.user("bob");
    const sub = `shared-${randomBytes(4).toString("hex")}`;

    const inA = await subjectIn(sub, tenantA.slug);
    const inB = await subjectIn(sub, tenantB.slug);
    expect(inA.me.authSubject).toBe(sub);
    expect(inB.me.authSubject).toBe(sub);
    expect(inA.me.id).not.toBe(inB.me.id);
    expect(inA.me.tenantId).toBe(tenantA.id);
    expect(inB.me.tenantId).toBe(tenantB.id);
    // Signing in again finds the same user in each tenant.
    expect((await subjectIn(sub, tenantA.slug)).me.id).toBe(inA.me.id);

    // What the subject owns or joins in A does not exist for the same subject in B.
    const ownBoard = (await inA.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "Mine in A" }) { id } }`)).createBoard.id;
    const aliceBoard = await createBoard(alice, { title: "Alice's" });
    await addBoardMember(alice, aliceBoard, inA.me.id, "ADMIN");
    const tagA = (await inA.ok<{ createTag: { id: string } }>(`mutation { createTag(input: { name: "Subject Tag" }) { id } }`)).createTag.id;

    const seenInA = await inA.ok<{ myBoards: Array<{ id: string }> }>(`{ myBoards { id } }`);
    expect(ids(seenInA.myBoards).sort()).toEqual([ownBoard, aliceBoard].sort());

    const seenInB = await inB.ok<{
      myBoards: unknown[];
      own: unknown;
      shared: unknown;
      tag: unknown;
      tags: unknown[];
      userA: unknown;
    }>(
      `query($own: UUID!, $shared: UUID!, $tag: UUID!, $userA: UUID!) {
         myBoards { id } own: board(id: $own) { id } shared: board(id: $shared) { id }
         tag(id: $tag) { id } tags { id } userA: user(id: $userA) { id }
       }`,
      { own: ownBoard, shared: aliceBoard, tag: tagA, userA: inA.me.id },
    );
    expect(seenInB).toEqual({ myBoards: [], own: null, shared: null, tag: null, tags: [], userA: null });

    // Nor can the B incarnation change what the A incarnation may change.
    expectError(
      await inB.gql(`mutation($id: UUID!) { updateBoard(input: { id: $id, title: "From B" }) { id } }`, { id: ownBoard }),
      "NOT_FOUND",
      "Board not found",
    );
    expectError(await inB.gql(`mutation($id: UUID!) { deleteBoard(id: $id) { success } }`, { id: aliceBoard }), "NOT_FOUND", "Board not found");
    const after = await inA.ok<{ own: { title: string }; shared: { title: string } }>(
      `query($own: UUID!, $shared: UUID!) { own: board(id: $own) { title } shared: board(id: $shared) { title } }`,
      { own: ownBoard, shared: aliceBoard },
    );
    expect(after).toEqual({ own: { title: "Mine in A" }, shared: { title: "Alice's" } });
  });

  it("a token bound to tenant B by its claim cannot be pointed at tenant A with X-Tenant", async () => {
    const tenantA = await newTenant(server);
    const tenantB = await newTenant(server);
    const alice = await tenantA.user("alice");
    await tenantB.user("bob");
    const board = await createBoard(alice, { title: "A public", isPublic: true });
    const token = await signToken({ sub: `claim-${randomBytes(4).toString("hex")}`, tenant: tenantB.slug });
    const result = await server.gql<{ me: { tenantId: string } | null; board: { id: string } | null }>(
      `query($id: UUID!) { me { tenantId } board(id: $id) { id } }`,
      { id: board },
      { token, tenant: tenantA.slug },
    );
    // The claim wins over the header: the caller is a user of B, where A's board does not exist.
    expect(expectData(result)).toEqual({ me: { tenantId: tenantB.id }, board: null });
  });
});

describe("tenant B cannot see or change tenant A", () => {
  let tenantA: TenantHandle;
  let tenantB: TenantHandle;
  let alice: Actor;
  let amy: Actor;
  let bob: Actor;
  let bea: Actor;
  const a = {} as {
    publicBoard: string;
    privateBoard: string;
    publicGen: string;
    privateGen: string;
    tag: string;
    publicMember: string;
    privateMember: string;
  };
  const b = {} as { publicBoard: string; privateBoard: string; gen: string; tag: string };

  beforeAll(async () => {
    tenantA = await newTenant(server);
    tenantB = await newTenant(server);
    alice = await tenantA.user("alice");
    amy = await tenantA.user("amy");
    bob = await tenantB.user("bob");
    bea = await tenantB.user("bea");

    a.publicBoard = await createBoard(alice, { title: "Shared gallery A", description: "common words", isPublic: true });
    a.privateBoard = await createBoard(alice, { title: "Shared secrets A", description: "common words" });
    a.publicMember = await addBoardMember(alice, a.publicBoard, amy.id, "VIEWER");
    a.privateMember = await addBoardMember(alice, a.privateBoard, amy.id, "EDITOR");
    a.publicGen = (await addGeneration(server, a.publicBoard, alice.id, { status: "COMPLETED", artifactType: "IMAGE" })).id;
    a.privateGen = (await addGeneration(server, a.privateBoard, amy.id, { status: "FAILED", artifactType: "VIDEO" })).id;
    a.tag = (await createTag(alice, { name: "Shared Tag", description: "A's tag" })).id;
    for (const generationId of [a.publicGen, a.privateGen]) await alice.ok(ADD_TAG, { generationId, tagId: a.tag });

    b.publicBoard = await createBoard(bob, { title: "Shared gallery B", description: "common words", isPublic: true });
    b.privateBoard = await createBoard(bob, { title: "Shared secrets B" });
    await addBoardMember(bob, b.privateBoard, bea.id, "ADMIN");
    b.gen = (await addGeneration(server, b.publicBoard, bob.id, { status: "COMPLETED", artifactType: "IMAGE" })).id;
    // Same name and slug as A's tag: slugs are unique per tenant only.
    b.tag = (await createTag(bob, { name: "Shared Tag" })).id;
  });

  const aIds = () => [a.publicBoard, a.privateBoard, a.publicGen, a.privateGen, a.tag, a.publicMember, a.privateMember, alice.id, amy.id];

  /** Everything of A's, as alice reads it. */
  async function snapshotA(): Promise<unknown> {
    const BOARD = `id title description isPublic settings metadata ownerId updatedAt
      members { id userId role invitedBy user { id email } }
      generationCount generations { id status progress updatedAt tags { id } }`;
    return alice.ok(
      `query($pub: UUID!, $priv: UUID!, $tag: UUID!) {
         pub: board(id: $pub) { ${BOARD} }
         priv: board(id: $priv) { ${BOARD} }
         myBoards { id }
         tags { id name slug description metadata updatedAt }
         tag(id: $tag) { id }
         generations { id }
       }`,
      { pub: a.publicBoard, priv: a.privateBoard, tag: a.tag },
    );
  }

  let before: unknown;
  beforeAll(async () => {
    before = await snapshotA();
  });

  /** A's data must be exactly as it was before tenant B acted. */
  async function expectAUnchanged() {
    expect(await snapshotA()).toEqual(before);
  }

  it("A's records are real and readable inside A", async () => {
    const snap = before as { pub: { generationCount: number; members: unknown[] } | null; priv: unknown; tags: unknown[]; generations: unknown[] };
    expect(snap.pub?.generationCount).toBe(1);
    expect(snap.pub?.members).toHaveLength(1);
    expect(snap.priv).not.toBeNull();
    expect(snap.tags).toHaveLength(1);
    expect(snap.generations).toHaveLength(2);
    const asAmy = await amy.ok<{ nodes: Array<{ id: string } | null> }>(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: aIds() });
    expect(asAmy.nodes.map((n) => n?.id ?? null)).toEqual(aIds());
  });

  describe("reads", () => {
    const callers = (): Array<[string, Caller]> => [
      ["a signed-in user of B", bob],
      ["an anonymous caller of B", tenantB.anonymous],
    ];

    it("board(id) is null for A's boards, public ones included", async () => {
      for (const [, caller] of callers()) {
        for (const id of [a.publicBoard, a.privateBoard]) {
          expect((await caller.ok<{ board: unknown }>(`query($id: UUID!) { board(id: $id) { id } }`, { id })).board).toBeNull();
        }
      }
      // Control: B's own public board is visible.
      expect((await tenantB.anonymous.ok<{ board: { id: string } | null }>(`query($id: UUID!) { board(id: $id) { id } }`, { id: b.publicBoard })).board).toEqual({
        id: b.publicBoard,
      });
    });

    it("myBoards (every role), publicBoards and searchBoards list only B's boards", async () => {
      const data = await bob.ok<Record<string, Array<{ id: string }>>>(`{
        any: myBoards { id } owner: myBoards(role: OWNER) { id } member: myBoards(role: MEMBER) { id }
        pub: publicBoards { id } search: searchBoards(query: "shared") { id } searchAll: searchBoards(query: "") { id }
        words: searchBoards(query: "common words") { id }
      }`);
      expect(ids(data.any!).sort()).toEqual([b.publicBoard, b.privateBoard].sort());
      expect(ids(data.owner!).sort()).toEqual([b.publicBoard, b.privateBoard].sort());
      expect(data.member).toEqual([]);
      expect(ids(data.pub!)).toEqual([b.publicBoard]);
      expect(ids(data.search!).sort()).toEqual([b.publicBoard, b.privateBoard].sort());
      expect(ids(data.searchAll!).sort()).toEqual([b.publicBoard, b.privateBoard].sort());
      expect(ids(data.words!)).toEqual([b.publicBoard]);

      const asBea = await bea.ok<{ member: Array<{ id: string }> }>(`{ member: myBoards(role: MEMBER) { id } }`);
      expect(ids(asBea.member)).toEqual([b.privateBoard]);

      const anon = await tenantB.anonymous.ok<Record<string, Array<{ id: string }>>>(
        `{ mine: myBoards { id } pub: publicBoards { id } search: searchBoards(query: "shared") { id } }`,
      );
      expect(anon).toEqual({ mine: [], pub: [{ id: b.publicBoard }], search: [{ id: b.publicBoard }] });
    });

    it("boardsConnection lists only B's boards in every scope, even when filtering for A's ids", async () => {
      const query = `query($scope: BoardScope, $role: BoardQueryRole, $filter: BoardFilter) {
        boardsConnection(scope: $scope, role: $role, filter: $filter, first: 100) { totalCount nodes { id } edges { node { id } } }
      }`;
      type Conn = { boardsConnection: { totalCount: number; nodes: Array<{ id: string }>; edges: Array<{ node: { id: string } }> } };
      const expected: Record<string, string[]> = {
        MINE: [b.publicBoard, b.privateBoard],
        PUBLIC: [b.publicBoard],
        ACCESSIBLE: [b.publicBoard, b.privateBoard],
      };
      for (const scope of ["MINE", "PUBLIC", "ACCESSIBLE"]) {
        for (const role of [null, "ANY", "OWNER", "MEMBER"]) {
          if (role !== null && scope !== "MINE") continue;
          const want = role === "MEMBER" ? [] : expected[scope]!;
          const conn = (await bob.ok<Conn>(query, { scope, role })).boardsConnection;
          expect(ids(conn.nodes).sort(), `${scope}/${role}`).toEqual([...want].sort());
          expect(conn.totalCount).toBe(want.length);

          const filtered = (await bob.ok<Conn>(query, { scope, role, filter: { id: { in: [a.publicBoard, a.privateBoard] } } })).boardsConnection;
          expect(filtered).toEqual({ totalCount: 0, nodes: [], edges: [] });
          const byTitle = (await bob.ok<Conn>(query, { scope, role, filter: { title: { endsWith: " A" } } })).boardsConnection;
          expect(byTitle.totalCount).toBe(0);
        }
      }
      const defaultScope = (await bob.ok<Conn>(query, {})).boardsConnection;
      expect(ids(defaultScope.nodes).sort()).toEqual([b.publicBoard, b.privateBoard].sort());
      for (const scope of [null, "PUBLIC", "ACCESSIBLE", "MINE"]) {
        const anon = (await tenantB.anonymous.ok<Conn>(query, { scope })).boardsConnection;
        expect(ids(anon.nodes), `anonymous ${scope}`).toEqual(scope === "MINE" ? [] : [b.publicBoard]);
      }
    });

    it("generation(id), generations, recentGenerations and generationsConnection show none of A's generations", async () => {
      for (const [who, caller] of callers()) {
        for (const id of [a.publicGen, a.privateGen]) {
          expect((await caller.ok<{ generation: unknown }>(`query($id: UUID!) { generation(id: $id) { id } }`, { id })).generation, who).toBeNull();
        }
        const lists = await caller.ok<Record<string, Array<{ id: string }> | { totalCount: number; nodes: Array<{ id: string }> }>>(
          `query($pub: UUID!, $priv: UUID!, $gens: [UUID!]) {
             all: generations { id } recent: recentGenerations { id }
             failed: generations(status: FAILED) { id } images: recentGenerations(artifactType: IMAGE) { id }
             onPub: generations(boardId: $pub) { id } onPriv: recentGenerations(boardId: $priv) { id }
             conn: generationsConnection { totalCount nodes { id } }
             connPub: generationsConnection(boardId: $pub) { totalCount nodes { id } }
             connPriv: generationsConnection(boardId: $priv) { totalCount nodes { id } }
             connFiltered: generationsConnection(filter: { id: { in: $gens } }) { totalCount nodes { id } }
             connBoardFilter: generationsConnection(filter: { boardId: { equals: $pub } }) { totalCount nodes { id } }
           }`,
          { pub: a.publicBoard, priv: a.privateBoard, gens: [a.publicGen, a.privateGen] },
        );
        expect(lists, who).toEqual({
          all: [{ id: b.gen }],
          recent: [{ id: b.gen }],
          failed: [],
          images: [{ id: b.gen }],
          onPub: [],
          onPriv: [],
          conn: { totalCount: 1, nodes: [{ id: b.gen }] },
          connPub: { totalCount: 0, nodes: [] },
          connPriv: { totalCount: 0, nodes: [] },
          connFiltered: { totalCount: 0, nodes: [] },
          connBoardFilter: { totalCount: 0, nodes: [] },
        });
      }
    });

    it("tag(id), tagBySlug, tags and tagsConnection show none of A's tags", async () => {
      const data = await bob.ok<Record<string, unknown>>(
        `query($tag: UUID!) {
           tag(id: $tag) { id }
           tagBySlug(slug: "shared-tag") { id description }
           tags { id }
           tagsConnection { totalCount nodes { id } }
           filtered: tagsConnection(filter: { id: { equals: $tag } }) { totalCount nodes { id } }
           described: tagsConnection(filter: { description: { equals: "A's tag" } }) { totalCount nodes { id } }
         }`,
        { tag: a.tag },
      );
      expect(data).toEqual({
        tag: null,
        tagBySlug: { id: b.tag, description: null },
        tags: [{ id: b.tag }],
        tagsConnection: { totalCount: 1, nodes: [{ id: b.tag }] },
        filtered: { totalCount: 0, nodes: [] },
        described: { totalCount: 0, nodes: [] },
      });
    });

    it("user(id) is null for A's users", async () => {
      for (const [who, caller] of callers()) {
        for (const id of [alice.id, amy.id]) {
          expect((await caller.ok<{ user: unknown }>(`query($id: UUID!) { user(id: $id) { id } }`, { id })).user, who).toBeNull();
        }
      }
      // Control: a user of B is visible to another user of B.
      expect((await bob.ok<{ user: { id: string } | null }>(`query($id: UUID!) { user(id: $id) { id } }`, { id: bea.id })).user).toEqual({ id: bea.id });
    });

    it("node and nodes are null for every one of A's records", async () => {
      for (const [who, caller] of callers()) {
        for (const id of aIds()) {
          expect((await caller.ok<{ node: unknown }>(`query($id: ID!) { node(id: $id) { id } }`, { id })).node, `${who}: ${id}`).toBeNull();
        }
        const data = await caller.ok<{ nodes: unknown[] }>(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...aIds(), b.publicBoard] });
        expect(data.nodes, who).toEqual([...aIds().map(() => null), { id: b.publicBoard }]);
      }
    });

    it("B's users do not appear among A's board members and vice versa", async () => {
      const data = await bob.ok<{ board: { members: Array<{ userId: string }> } }>(`query($id: UUID!) { board(id: $id) { members { userId } } }`, {
        id: b.privateBoard,
      });
      expect(data.board.members.map((m) => m.userId)).toEqual([bea.id]);
      await expectAUnchanged();
    });
  });

  describe("mutations", () => {
    async function attempt(result: GqlResult, message?: string) {
      expectError(result, "NOT_FOUND", message);
      expect(result.data ?? null).toBeNull();
      await expectAUnchanged();
    }

    it("updateBoard fails NOT_FOUND on A's public and private boards", async () => {
      for (const id of [a.publicBoard, a.privateBoard]) {
        await attempt(
          await bob.gql(`mutation($id: UUID!) { updateBoard(input: { id: $id, title: "Owned by B", isPublic: false, description: null }) { id } }`, {
            id,
          }),
          "Board not found",
        );
      }
    });

    it("deleteBoard fails NOT_FOUND on A's public and private boards", async () => {
      for (const id of [a.publicBoard, a.privateBoard]) {
        await attempt(await bob.gql(`mutation($id: UUID!) { deleteBoard(id: $id) { success id } }`, { id }), "Board not found");
      }
    });

    it("addBoardMember fails NOT_FOUND when B adds anyone to A's boards", async () => {
      const ADD = `mutation($boardId: UUID!, $userId: UUID, $email: String) { addBoardMember(boardId: $boardId, userId: $userId, email: $email, role: ADMIN) { id } }`;
      for (const boardId of [a.publicBoard, a.privateBoard]) {
        await attempt(await bob.gql(ADD, { boardId, userId: bob.id }), "Board not found");
        await attempt(await bob.gql(ADD, { boardId, userId: bea.id }), "Board not found");
        await attempt(await bob.gql(ADD, { boardId, email: bob.email }), "Board not found");
      }
    });

    it("addBoardMember fails NOT_FOUND when A's owner adds a user of B, by id or by e-mail", async () => {
      const ADD = `mutation($boardId: UUID!, $userId: UUID, $email: String) { addBoardMember(boardId: $boardId, userId: $userId, email: $email) { id } }`;
      for (const boardId of [a.publicBoard, a.privateBoard]) {
        await attempt(await alice.gql(ADD, { boardId, userId: bob.id }), "User not found");
        await attempt(await alice.gql(ADD, { boardId, email: bea.email }), "User not found");
      }
      // Nor can B's admin add a user of A to a board of B.
      expectError(await bea.gql(ADD, { boardId: b.privateBoard, userId: amy.id }), "NOT_FOUND", "User not found");
      expectError(await bea.gql(ADD, { boardId: b.privateBoard, email: amy.email }), "NOT_FOUND", "User not found");
      const members = await bob.ok<{ board: { members: Array<{ userId: string }> } }>(`query($id: UUID!) { board(id: $id) { members { userId } } }`, {
        id: b.privateBoard,
      });
      expect(members.board.members.map((m) => m.userId)).toEqual([bea.id]);
    });

    it("updateBoardMemberRole and removeBoardMember fail NOT_FOUND on A's memberships", async () => {
      for (const id of [a.publicMember, a.privateMember]) {
        await attempt(
          await bob.gql(`mutation($id: UUID!) { updateBoardMemberRole(id: $id, role: ADMIN) { id } }`, { id }),
          "Board member not found",
        );
        await attempt(await bob.gql(`mutation($id: UUID!) { removeBoardMember(id: $id) { success } }`, { id }), "Board member not found");
      }
    });

    it("updateTag and deleteTag fail NOT_FOUND on A's tag", async () => {
      await attempt(
        await bob.gql(`mutation($id: UUID!) { updateTag(input: { id: $id, name: "Taken over", description: null }) { id } }`, { id: a.tag }),
        "Tag not found",
      );
      await attempt(await bob.gql(`mutation($id: UUID!) { updateTag(input: { id: $id, slug: "shared-tag-b" }) { id } }`, { id: a.tag }), "Tag not found");
      await attempt(await bob.gql(`mutation($id: UUID!) { deleteTag(id: $id) }`, { id: a.tag }), "Tag not found");
    });

    it("addTagToGeneration and removeTagFromGeneration fail NOT_FOUND across tenants", async () => {
      for (const generationId of [a.publicGen, a.privateGen]) {
        await attempt(await bob.gql(ADD_TAG, { generationId, tagId: b.tag }), "Generation not found");
        await attempt(await bob.gql(ADD_TAG, { generationId, tagId: a.tag }), "Generation not found");
        await attempt(await bob.gql(REMOVE_TAG, { generationId, tagId: a.tag }), "Generation not found");
      }
      // A's tag on B's own generation.
      await attempt(await bob.gql(ADD_TAG, { generationId: b.gen, tagId: a.tag }), "Tag not found");
      await attempt(await bob.gql(REMOVE_TAG, { generationId: b.gen, tagId: a.tag }), "Tag not found");
      // And A cannot use B's tag either.
      expectError(await alice.gql(ADD_TAG, { generationId: a.publicGen, tagId: b.tag }), "NOT_FOUND", "Tag not found");
      await expectAUnchanged();

      const bGen = await bob.ok<{ generation: { tags: unknown[] } }>(`query($id: UUID!) { generation(id: $id) { tags { id } } }`, { id: b.gen });
      expect(bGen.generation.tags).toEqual([]);
    });

    it("anonymous callers of B get UNAUTHENTICATED and change nothing", async () => {
      const anon = tenantB.anonymous;
      const attempts: Array<[string, Record<string, unknown>]> = [
        [`mutation($id: UUID!) { updateBoard(input: { id: $id, title: "x" }) { id } }`, { id: a.publicBoard }],
        [`mutation($id: UUID!) { deleteBoard(id: $id) { success } }`, { id: a.publicBoard }],
        [`mutation($id: UUID!) { removeBoardMember(id: $id) { success } }`, { id: a.publicMember }],
        [`mutation($id: UUID!) { deleteTag(id: $id) }`, { id: a.tag }],
        [REMOVE_TAG, { generationId: a.publicGen, tagId: a.tag }],
      ];
      for (const [query, variables] of attempts) {
        const result = await anon.gql(query, variables);
        expectError(result, "UNAUTHENTICATED");
        expect(result.data ?? null).toBeNull();
      }
      await expectAUnchanged();
    });
  });

  it("A's data is unchanged after everything B tried", async () => {
    await expectAUnchanged();
    const snap = (await snapshotA()) as { pub: { title: string; members: unknown[] }; priv: { members: unknown[] } };
    expect(snap.pub.title).toBe("Shared gallery A");
    expect(snap.pub.members).toHaveLength(1);
    expect(snap.priv.members).toHaveLength(1);
  });
});
