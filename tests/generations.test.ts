import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactType, GenerationStatus } from "../src/generated/prisma/client.js";
import { expectData, expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import { addBoardMember, addGeneration, at, createBoard, createTag, ids, type Caller } from "./helpers/taggingFixtures.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

const GENERATION_FIELDS = `
  id tenantId boardId userId generatorName artifactType storageUrl thumbnailUrl
  additionalFiles { url type metadata }
  inputParams outputMetadata externalJobId status progress errorMessage
  startedAt completedAt createdAt updatedAt
  board { id title }
  user { id email }
  tags { id name }
  inputArtifacts { generationId role artifactType generation { id } }
`;

type GenerationView = {
  id: string;
  tenantId: string;
  boardId: string;
  userId: string;
  generatorName: string;
  artifactType: string;
  storageUrl: string | null;
  thumbnailUrl: string | null;
  additionalFiles: Array<{ url: string; type: string; metadata: unknown }>;
  inputParams: unknown;
  outputMetadata: unknown;
  externalJobId: string | null;
  status: string;
  progress: number;
  errorMessage: string | null;
  startedAt: string | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
  board: { id: string; title: string };
  user: { id: string; email: string | null };
  tags: Array<{ id: string; name: string }>;
  inputArtifacts: Array<{ generationId: string; role: string; artifactType: string; generation: { id: string } | null }>;
};

async function readGeneration(caller: Caller, id: string): Promise<{ id: string } | null> {
  return (await caller.ok<{ generation: { id: string } | null }>(`query($id: UUID!) { generation(id: $id) { id } }`, { id })).generation;
}

describe("generation(id)", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let viewer: Actor;
  let editor: Actor;
  let stranger: Actor;
  let privateGen: string;
  let publicGen: string;
  beforeAll(async () => {
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    viewer = await tenant.user("viewer");
    editor = await tenant.user("editor");
    stranger = await tenant.user("stranger");
    const privateBoard = await createBoard(owner, { title: "Private" });
    const publicBoard = await createBoard(owner, { title: "Public", isPublic: true });
    await addBoardMember(owner, privateBoard, viewer.id, "VIEWER");
    await addBoardMember(owner, privateBoard, editor.id, "EDITOR");
    privateGen = (await addGeneration(server, privateBoard, owner.id)).id;
    publicGen = (await addGeneration(server, publicBoard, owner.id)).id;
  });

  it("is visible to the board owner and every member of a private board", async () => {
    for (const actor of [owner, viewer, editor]) expect(await readGeneration(actor, privateGen)).toEqual({ id: privateGen });
  });

  it("is null on a private board for signed-in non-members and anonymous callers", async () => {
    expect(await readGeneration(stranger, privateGen)).toBeNull();
    expect(await readGeneration(tenant.anonymous, privateGen)).toBeNull();
  });

  it("is visible on a public board to anyone of the tenant, signed in or not", async () => {
    for (const caller of [owner, viewer, stranger, tenant.anonymous]) {
      expect(await readGeneration(caller, publicGen)).toEqual({ id: publicGen });
    }
  });

  it("is null for an unknown id, and a malformed id is BAD_USER_INPUT", async () => {
    expect(await readGeneration(owner, UNKNOWN_ID)).toBeNull();
    expectError(await owner.gql(`{ generation(id: "not-a-uuid") { id } }`), "BAD_USER_INPUT");
  });

  it("becomes null for a member once removed, and visible to a stranger once the board is public", async () => {
    const board = await createBoard(owner, { title: "Changing" });
    const memberId = await addBoardMember(owner, board, stranger.id, "VIEWER");
    const gen = (await addGeneration(server, board, owner.id)).id;
    expect(await readGeneration(stranger, gen)).toEqual({ id: gen });
    await owner.ok(`mutation($id: UUID!) { removeBoardMember(id: $id) { success } }`, { id: memberId });
    expect(await readGeneration(stranger, gen)).toBeNull();
    await owner.ok(`mutation($id: UUID!) { updateBoard(input: { id: $id, isPublic: true }) { id } }`, { id: board });
    expect(await readGeneration(stranger, gen)).toEqual({ id: gen });
    expect(await readGeneration(tenant.anonymous, gen)).toEqual({ id: gen });
  });
});

describe("Generation fields", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    boardId = await createBoard(owner, { title: "Field Board" });
  });

  async function read(caller: Caller, id: string): Promise<GenerationView | null> {
    return (await caller.ok<{ generation: GenerationView | null }>(`query($id: UUID!) { generation(id: $id) { ${GENERATION_FIELDS} } }`, { id }))
      .generation;
  }

  it("round-trips every stored field", async () => {
    const creator = await tenant.user("creator", { email: "creator@example.test" });
    await addBoardMember(owner, boardId, creator.id, "EDITOR");
    const inputParams = { prompt: "a fox in snow", steps: 30, guidance: 7.5, nested: { seeds: [1, 2, 3], flag: false, none: null } };
    const outputMetadata = { format: "mp4", width: 1280, height: 720, duration: 4.25, batch: { index: 0, size: 2 } };
    const additionalFiles = [
      { url: "https://cdn.example.test/thumb.png", type: "thumbnail", metadata: { width: 64 } },
      { url: "https://cdn.example.test/preview.gif", type: "preview", metadata: {} },
    ];
    const gen = await addGeneration(server, boardId, creator.id, {
      generatorName: "video-from-image",
      artifactType: "VIDEO",
      storageUrl: "https://cdn.example.test/out.mp4",
      thumbnailUrl: "https://cdn.example.test/thumb.png",
      additionalFiles,
      inputParams,
      outputMetadata,
      externalJobId: "provider-job-123",
      status: "FAILED",
      progress: 42.5,
      errorMessage: "Provider timed out",
      startedAt: at(1),
      completedAt: at(2),
      createdAt: at(0),
      updatedAt: at(3),
    });

    const view = await read(owner, gen.id);
    expect(view).toEqual({
      id: gen.id,
      tenantId: tenant.id,
      boardId,
      userId: creator.id,
      generatorName: "video-from-image",
      artifactType: "VIDEO",
      storageUrl: "https://cdn.example.test/out.mp4",
      thumbnailUrl: "https://cdn.example.test/thumb.png",
      additionalFiles,
      inputParams,
      outputMetadata,
      externalJobId: "provider-job-123",
      status: "FAILED",
      progress: 42.5,
      errorMessage: "Provider timed out",
      startedAt: at(1).toISOString(),
      completedAt: at(2).toISOString(),
      createdAt: at(0).toISOString(),
      updatedAt: at(3).toISOString(),
      board: { id: boardId, title: "Field Board" },
      user: { id: creator.id, email: "creator@example.test" },
      tags: [],
      inputArtifacts: [],
    });
  });

  it("returns defaults for a minimal pending generation: empty additionalFiles and lineage, null optional fields", async () => {
    const gen = await addGeneration(server, boardId, owner.id, {
      status: "PENDING",
      progress: 0,
      storageUrl: null,
      outputMetadata: {},
    });
    const view = await read(owner, gen.id);
    expect(view).toMatchObject({
      status: "PENDING",
      progress: 0,
      storageUrl: null,
      thumbnailUrl: null,
      additionalFiles: [],
      outputMetadata: {},
      externalJobId: null,
      errorMessage: null,
      startedAt: null,
      completedAt: null,
      tags: [],
      inputArtifacts: [],
    });
    expect(Date.parse(view!.createdAt)).toBe(gen.createdAt.getTime());
  });

  it.each<GenerationStatus>(["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"])("round-trips status %s", async (status) => {
    const gen = await addGeneration(server, boardId, owner.id, { status });
    expect((await read(owner, gen.id))?.status).toBe(status);
  });

  it.each<ArtifactType>(["IMAGE", "VIDEO", "AUDIO", "TEXT", "LORA", "MODEL"])("round-trips artifactType %s", async (artifactType) => {
    const gen = await addGeneration(server, boardId, owner.id, { artifactType });
    expect((await read(owner, gen.id))?.artifactType).toBe(artifactType);
  });

  it("shows tags ordered by name", async () => {
    const gen = await addGeneration(server, boardId, owner.id);
    for (const name of ["portrait", "fox", "snow"]) {
      const tag = await createTag(owner, { name: `${name}-${gen.id.slice(0, 8)}` });
      await owner.ok(`mutation($g: UUID!, $t: UUID!) { addTagToGeneration(generationId: $g, tagId: $t) { id } }`, { g: gen.id, t: tag.id });
    }
    const suffix = gen.id.slice(0, 8);
    expect((await read(owner, gen.id))?.tags.map((t) => t.name)).toEqual([`fox-${suffix}`, `portrait-${suffix}`, `snow-${suffix}`]);
  });

  it("lists inputArtifacts from the stored lineage, in stored order, resolving readable inputs", async () => {
    const imageInput = await addGeneration(server, boardId, owner.id, { artifactType: "IMAGE" });
    const audioInput = await addGeneration(server, boardId, owner.id, { artifactType: "AUDIO" });
    const gen = await addGeneration(server, boardId, owner.id, {
      generatorName: "video-from-image-and-audio",
      artifactType: "VIDEO",
      inputArtifacts: [
        { generation_id: imageInput.id, role: "image_url", artifact_type: "image" },
        { generation_id: audioInput.id, role: "audio_url", artifact_type: "audio" },
      ],
    });
    expect((await read(owner, gen.id))?.inputArtifacts).toEqual([
      { generationId: imageInput.id, role: "image_url", artifactType: "IMAGE", generation: { id: imageInput.id } },
      { generationId: audioInput.id, role: "audio_url", artifactType: "AUDIO", generation: { id: audioInput.id } },
    ]);
  });

  it("keeps a lineage entry but gives generation null when the input is not readable or no longer exists", async () => {
    const publicBoard = await createBoard(owner, { title: "Showcase", isPublic: true });
    const hiddenInput = await addGeneration(server, boardId, owner.id, { artifactType: "IMAGE" });
    const visibleInput = await addGeneration(server, publicBoard, owner.id, { artifactType: "IMAGE" });
    const gen = await addGeneration(server, publicBoard, owner.id, {
      artifactType: "VIDEO",
      inputArtifacts: [
        { generation_id: hiddenInput.id, role: "image_url", artifact_type: "image" },
        { generation_id: visibleInput.id, role: "parent", artifact_type: "image" },
        { generation_id: UNKNOWN_ID, role: "mask", artifact_type: "image" },
      ],
    });
    const stranger = await tenant.user("stranger");
    const expected = (hiddenVisible: boolean) => [
      { generationId: hiddenInput.id, role: "image_url", artifactType: "IMAGE", generation: hiddenVisible ? { id: hiddenInput.id } : null },
      { generationId: visibleInput.id, role: "parent", artifactType: "IMAGE", generation: { id: visibleInput.id } },
      { generationId: UNKNOWN_ID, role: "mask", artifactType: "IMAGE", generation: null },
    ];
    expect((await read(owner, gen.id))?.inputArtifacts).toEqual(expected(true));
    expect((await read(stranger, gen.id))?.inputArtifacts).toEqual(expected(false));
    expect((await read(tenant.anonymous, gen.id))?.inputArtifacts).toEqual(expected(false));
  });

  it("hides a lineage input of another tenant", async () => {
    const other = await newTenant(server);
    const carol = await other.user("carol");
    const carolBoard = await createBoard(carol, { title: "Carol public", isPublic: true });
    const foreign = await addGeneration(server, carolBoard, carol.id);
    const gen = await addGeneration(server, boardId, owner.id, {
      inputArtifacts: [{ generation_id: foreign.id, role: "image_url", artifact_type: "image" }],
    });
    expect((await read(owner, gen.id))?.inputArtifacts).toEqual([
      { generationId: foreign.id, role: "image_url", artifactType: "IMAGE", generation: null },
    ]);
  });
});

describe("generations and recentGenerations", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  let aliceBoard: string;
  let alicePublic: string;
  let bobPrivate: string;
  let carolBoard: string;
  /** Generation ids by label. */
  const g: Record<string, string> = {};

  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    carol = await tenant.user("carol");
    aliceBoard = await createBoard(alice, { title: "Alice private" });
    alicePublic = await createBoard(alice, { title: "Alice public", isPublic: true });
    bobPrivate = await createBoard(bob, { title: "Bob private" });
    carolBoard = await createBoard(carol, { title: "Carol private" });
    await addBoardMember(carol, carolBoard, alice.id, "VIEWER");

    const rows: Array<[string, string, string, number, GenerationStatus, ArtifactType]> = [
      ["a1", aliceBoard, "alice", 1, "COMPLETED", "IMAGE"],
      ["p1", alicePublic, "alice", 2, "COMPLETED", "VIDEO"],
      ["b1", bobPrivate, "bob", 3, "COMPLETED", "IMAGE"],
      ["c1", carolBoard, "carol", 4, "FAILED", "IMAGE"],
      ["a2", aliceBoard, "alice", 5, "PENDING", "AUDIO"],
      ["p2", alicePublic, "bob", 6, "FAILED", "VIDEO"],
      ["b2", bobPrivate, "bob", 7, "PENDING", "VIDEO"],
      ["a3", aliceBoard, "alice", 8, "FAILED", "VIDEO"],
    ];
    // Inserted in label order, not creation order, so only the ordering can explain the results.
    const users: Record<string, string> = { alice: alice.id, bob: bob.id, carol: carol.id };
    for (const [label, board, user, minute, status, artifactType] of [...rows].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      g[label] = (await addGeneration(server, board, users[user]!, { createdAt: at(minute), status, artifactType })).id;
    }
  });

  const label = (id: string) => Object.entries(g).find(([, v]) => v === id)?.[0] ?? id;

  for (const field of ["generations", "recentGenerations"] as const) {
    describe(field, () => {
      async function list(caller: Caller, args: Record<string, unknown> = {}): Promise<string[]> {
        const data = await caller.ok<Record<string, Array<{ id: string }>>>(
          `query($boardId: UUID, $status: GenerationStatus, $artifactType: ArtifactType, $limit: Int, $offset: Int) {
             ${field}(boardId: $boardId, status: $status, artifactType: $artifactType, limit: $limit, offset: $offset) { id }
           }`,
          args,
        );
        return ids(data[field]!).map(label);
      }

      it("returns every readable generation, newest first", async () => {
        expect(await list(alice)).toEqual(["a3", "p2", "a2", "c1", "p1", "a1"]);
        expect(await list(bob)).toEqual(["b2", "p2", "b1", "p1"]);
        expect(await list(carol)).toEqual(["p2", "c1", "p1"]);
      });

      it("returns only public boards' generations to anonymous callers", async () => {
        expect(await list(tenant.anonymous)).toEqual(["p2", "p1"]);
      });

      it("filters by board, status and artifact type", async () => {
        expect(await list(alice, { boardId: aliceBoard })).toEqual(["a3", "a2", "a1"]);
        expect(await list(alice, { boardId: carolBoard })).toEqual(["c1"]);
        expect(await list(bob, { boardId: alicePublic })).toEqual(["p2", "p1"]);
        expect(await list(alice, { status: "FAILED" })).toEqual(["a3", "p2", "c1"]);
        expect(await list(alice, { artifactType: "VIDEO" })).toEqual(["a3", "p2", "p1"]);
        expect(await list(alice, { status: "FAILED", artifactType: "VIDEO" })).toEqual(["a3", "p2"]);
        expect(await list(alice, { boardId: aliceBoard, status: "PENDING" })).toEqual(["a2"]);
        expect(await list(alice, { status: "CANCELLED" })).toEqual([]);
        expect(await list(tenant.anonymous, { boardId: alicePublic, status: "COMPLETED" })).toEqual(["p1"]);
      });

      it("returns [] for a board the caller cannot read, or an unknown board", async () => {
        expect(await list(alice, { boardId: bobPrivate })).toEqual([]);
        expect(await list(carol, { boardId: aliceBoard })).toEqual([]);
        expect(await list(tenant.anonymous, { boardId: aliceBoard })).toEqual([]);
        expect(await list(alice, { boardId: UNKNOWN_ID })).toEqual([]);
      });

      it("honours limit and offset", async () => {
        expect(await list(alice, { limit: 2 })).toEqual(["a3", "p2"]);
        expect(await list(alice, { limit: 2, offset: 2 })).toEqual(["a2", "c1"]);
        expect(await list(alice, { offset: 5 })).toEqual(["a1"]);
        expect(await list(alice, { offset: 6 })).toEqual([]);
        expect(await list(alice, { limit: 0 })).toEqual([]);
        expect(await list(alice, { boardId: aliceBoard, limit: 1, offset: 1 })).toEqual(["a2"]);
      });

      it("rejects a negative limit or offset with BAD_USER_INPUT", async () => {
        expectError(await alice.gql(`{ ${field}(limit: -1) { id } }`), "BAD_USER_INPUT");
        expectError(await alice.gql(`{ ${field}(offset: -1) { id } }`), "BAD_USER_INPUT");
      });
    });
  }

  it("generations and recentGenerations agree", async () => {
    const data = await alice.ok<{ generations: Array<{ id: string }>; recentGenerations: Array<{ id: string }> }>(
      `{ generations(status: FAILED) { id } recentGenerations(status: FAILED) { id } }`,
    );
    expect(ids(data.generations)).toEqual(ids(data.recentGenerations));
    expect(ids(data.generations).map(label)).toEqual(["a3", "p2", "c1"]);
  });

  it("Board.generations lists newest first with limit/offset, and generationCount counts the board's generations", async () => {
    type BoardView = { board: { generationCount: number; all: Array<{ id: string }>; first: Array<{ id: string }>; second: Array<{ id: string }>; rest: Array<{ id: string }> } | null };
    const query = `query($id: UUID!) { board(id: $id) {
        generationCount
        all: generations { id }
        first: generations(limit: 1) { id }
        second: generations(limit: 1, offset: 1) { id }
        rest: generations(offset: 1) { id }
      } }`;
    const data = await alice.ok<BoardView>(query, { id: aliceBoard });
    expect(data.board).not.toBeNull();
    const board = data.board!;
    expect(board.generationCount).toBe(3);
    expect(ids(board.all).map(label)).toEqual(["a3", "a2", "a1"]);
    expect(ids(board.first).map(label)).toEqual(["a3"]);
    expect(ids(board.second).map(label)).toEqual(["a2"]);
    expect(ids(board.rest).map(label)).toEqual(["a2", "a1"]);

    const pub = await tenant.anonymous.ok<BoardView>(query, { id: alicePublic });
    expect(pub.board?.generationCount).toBe(2);
    expect(ids(pub.board!.all).map(label)).toEqual(["p2", "p1"]);
  });

  it("Board.generationCount is 0 and Board.generations is [] for an empty board", async () => {
    const empty = await createBoard(alice, { title: "Empty" });
    const data = await alice.ok<{ board: { generationCount: number; generations: unknown[] } }>(
      `query($id: UUID!) { board(id: $id) { generationCount generations { id } } }`,
      { id: empty },
    );
    expect(data.board).toEqual({ generationCount: 0, generations: [] });
  });

  it("Board.generationCount is per board when several boards are listed together", async () => {
    const data = await alice.ok<{ myBoards: Array<{ id: string; generationCount: number }> }>(`{ myBoards { id generationCount } }`);
    const counts = Object.fromEntries(data.myBoards.map((b) => [b.id, b.generationCount]));
    expect(counts[aliceBoard]).toBe(3);
    expect(counts[alicePublic]).toBe(2);
    expect(counts[carolBoard]).toBe(1);
    expect(counts[bobPrivate]).toBeUndefined();
  });
});

describe("node and nodes", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let member: Actor;
  let stranger: Actor;
  let board: string;
  let publicBoard: string;
  let generation: string;
  let publicGeneration: string;
  let tag: string;
  let membership: string;

  beforeAll(async () => {
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    member = await tenant.user("member");
    stranger = await tenant.user("stranger");
    board = await createBoard(owner, { title: "Node board" });
    publicBoard = await createBoard(owner, { title: "Node public", isPublic: true });
    membership = await addBoardMember(owner, board, member.id, "EDITOR");
    generation = (await addGeneration(server, board, owner.id, { generatorName: "node-gen" })).id;
    publicGeneration = (await addGeneration(server, publicBoard, owner.id)).id;
    tag = (await createTag(owner, { name: "Node Tag" })).id;
  });

  const NODE = `query($id: ID!) { node(id: $id) {
      __typename id
      ... on Board { title }
      ... on Generation { generatorName boardId }
      ... on Tag { slug }
      ... on User { authSubject }
      ... on BoardMember { role userId }
    } }`;

  type NodeView = { __typename: string; id: string; [field: string]: unknown } | null;

  async function node(caller: Caller, id: string): Promise<NodeView> {
    return (await caller.ok<{ node: NodeView }>(NODE, { id })).node;
  }

  it("resolves every entity type with its __typename", async () => {
    expect(await node(owner, board)).toEqual({ __typename: "Board", id: board, title: "Node board" });
    expect(await node(owner, generation)).toEqual({ __typename: "Generation", id: generation, generatorName: "node-gen", boardId: board });
    expect(await node(owner, tag)).toEqual({ __typename: "Tag", id: tag, slug: "node-tag" });
    expect(await node(owner, member.id)).toEqual({ __typename: "User", id: member.id, authSubject: member.sub });
    expect(await node(owner, membership)).toEqual({ __typename: "BoardMember", id: membership, role: "EDITOR", userId: member.id });
  });

  it("is null for unknown and malformed ids", async () => {
    for (const id of [UNKNOWN_ID, "not-a-uuid", "", "12345", `${board}x`, "Qm9hcmQ6MQ=="]) {
      expect(await node(owner, id)).toBeNull();
    }
  });

  it("is null for records the caller may not read", async () => {
    // Private board, its generation and its membership: invisible to a non-member.
    for (const id of [board, generation, membership]) expect(await node(stranger, id)).toBeNull();
    // Anonymous callers see public boards only: no users, tags or private records.
    for (const id of [board, generation, membership, tag, owner.id]) expect(await node(tenant.anonymous, id)).toBeNull();
    expect(await node(tenant.anonymous, publicBoard)).toMatchObject({ __typename: "Board", id: publicBoard });
    expect(await node(tenant.anonymous, publicGeneration)).toMatchObject({ __typename: "Generation", id: publicGeneration });
    // Same records through a member's eyes.
    expect(await node(member, generation)).toMatchObject({ __typename: "Generation" });
    expect(await node(member, membership)).toMatchObject({ __typename: "BoardMember" });
  });

  it("nodes keeps the requested order, with null for what cannot be read", async () => {
    const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
    const request = [tag, UNKNOWN_ID, board, "garbage", generation, owner.id, membership, board];
    const data = await owner.ok<{ nodes: Array<{ __typename: string; id: string } | null> }>(NODES, { ids: request });
    expect(data.nodes).toEqual([
      { __typename: "Tag", id: tag },
      null,
      { __typename: "Board", id: board },
      null,
      { __typename: "Generation", id: generation },
      { __typename: "User", id: owner.id },
      { __typename: "BoardMember", id: membership },
      { __typename: "Board", id: board },
    ]);

    const asStranger = await stranger.ok<{ nodes: Array<{ __typename: string; id: string } | null> }>(NODES, {
      ids: [generation, publicBoard, board, tag],
    });
    expect(asStranger.nodes).toEqual([null, { __typename: "Board", id: publicBoard }, null, { __typename: "Tag", id: tag }]);

    expect((await owner.ok<{ nodes: unknown[] }>(NODES, { ids: [] })).nodes).toEqual([]);
  });

  it("nodes accepts 100 ids and rejects more with BAD_USER_INPUT", async () => {
    const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
    const hundred = Array.from({ length: 100 }, (_, i) => (i === 99 ? board : UNKNOWN_ID));
    const data = expectData(await owner.gql<{ nodes: Array<{ id: string } | null> }>(NODES, { ids: hundred }));
    expect(data.nodes).toHaveLength(100);
    expect(data.nodes[99]).toEqual({ id: board });
    expect(data.nodes.slice(0, 99).every((n) => n === null)).toBe(true);

    const result = await owner.gql(NODES, { ids: [...hundred, board] });
    expectError(result, "BAD_USER_INPUT");
    expect(result.data ?? null).toBeNull();
  });
});
