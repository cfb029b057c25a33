/**
 * Odd but possible inputs and stored data: they must give clear errors or be skipped, never an
 * internal error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant } from "./helpers/actors.js";
import { boardRow, insertGeneration } from "./helpers/factories.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function boardWithGeneration() {
  const tenant = await newTenant(server);
  const alice = await tenant.user("alice");
  const { createBoard } = await alice.ok<{ createBoard: { id: string } }>(`mutation { createBoard(input: { title: "b" }) { id } }`);
  const board = await boardRow(server.prisma, createBoard.id);
  return { alice, board };
}

describe("input guards", () => {
  it("finds a node by an uppercase id", async () => {
    const { alice, board } = await boardWithGeneration();
    const data = await alice.ok<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id: board.id.toUpperCase() });
    expect(data.node).toEqual({ id: board.id });
  });

  it.each([
    ["a filter value", `query($v: String!) { boardsConnection(filter: { title: { contains: $v } }) { totalCount } }`, { v: "a\u0000b" }],
    ["a tag name", `mutation($v: String!) { createTag(input: { name: $v }) { id } }`, { v: "x\u0000" }],
    ["a JSON value", `mutation($v: JSON) { createBoard(input: { title: "t", settings: $v }) { id } }`, { v: { k: "\u0000" } }],
    ["a JSON key", `mutation($v: JSON) { createBoard(input: { title: "t", settings: $v }) { id } }`, { v: { "k\u0000": 1 } }],
  ])("refuses a NUL character in %s with BAD_USER_INPUT", async (_, query, variables) => {
    const { alice } = await boardWithGeneration();
    expectError(await alice.gql(query, variables), "BAD_USER_INPUT", "Text must not contain NUL (U+0000) characters");
  });

  it("refuses a NUL character written into the document itself", async () => {
    const { alice, board } = await boardWithGeneration();
    const result = await alice.gql(`mutation { createTag(input: { name: "x\\u0000y" }) { id } }`);
    expectError(result, "BAD_USER_INPUT");
    expect(await server.prisma.tag.count({ where: { tenantId: board.tenantId } })).toBe(0);
  });

  it("gives variables of the wrong type the BAD_USER_INPUT code", async () => {
    const { alice } = await boardWithGeneration();
    const result = await alice.gql(`query($n: Int) { myBoards(limit: $n) { id } }`, { n: "ten" });
    expect(result.status).toBe(400);
    expectError(result, "BAD_USER_INPUT", /Variable "\$n"/);
  });
});

describe("malformed stored data", () => {
  it("skips lineage entries whose generation id is not a UUID", async () => {
    const { alice, board } = await boardWithGeneration();
    const parent = await insertGeneration(server.prisma, board, alice.id);
    const child = await insertGeneration(server.prisma, board, alice.id, {
      inputArtifacts: [
        { generation_id: "not-a-uuid", role: "image", artifact_type: "image" },
        { generation_id: parent.id.toUpperCase(), role: "image", artifact_type: "image" },
        { role: "image" },
      ],
    });
    const data = expectData(
      await alice.gql<{ generation: { inputArtifacts: Array<{ generationId: string; role: string; generation: { id: string } | null }> } }>(
        `query($id: UUID!) { generation(id: $id) { inputArtifacts { generationId role generation { id } } } }`,
        { id: child.id },
      ),
    );
    expect(data.generation.inputArtifacts).toEqual([{ generationId: parent.id, role: "image", generation: { id: parent.id } }]);
  });

  it("skips additional files without a url or type", async () => {
    const { alice, board } = await boardWithGeneration();
    const g = await insertGeneration(server.prisma, board, alice.id, {
      additionalFiles: [{ url: "http://x/1", type: "thumbnail", metadata: { w: 1 } }, { url: "http://x/2" }, "junk", { url: "http://x/3", type: "preview" }],
    });
    const data = await alice.ok<{ generation: { additionalFiles: unknown[] } }>(
      `query($id: UUID!) { generation(id: $id) { additionalFiles { url type metadata } } }`,
      { id: g.id },
    );
    expect(data.generation.additionalFiles).toEqual([
      { url: "http://x/1", type: "thumbnail", metadata: { w: 1 } },
      { url: "http://x/3", type: "preview", metadata: {} },
    ]);
  });
});
