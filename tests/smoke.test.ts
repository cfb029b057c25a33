import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant } from "./helpers/actors.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("smoke", () => {
  it("creates a board and reads it back with owner and counts", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const { createBoard } = await alice.ok<{ createBoard: { id: string; ownerId: string } }>(
      `mutation { createBoard(input: { title: "Foxes" }) { id ownerId } }`,
    );
    expect(createBoard.ownerId).toBe(alice.id);
    const data = await alice.ok<{ board: { title: string; owner: { id: string }; generationCount: number } }>(
      `query($id: UUID!) { board(id: $id) { title owner { id } generationCount } }`,
      { id: createBoard.id },
    );
    expect(data.board).toEqual({ title: "Foxes", owner: { id: alice.id }, generationCount: 0 });
  });

  it("refuses anonymous board creation", async () => {
    const tenant = await newTenant(server);
    const result = await tenant.anonymous.gql(`mutation { createBoard(input: { title: "x" }) { id } }`);
    expectError(result, "UNAUTHENTICATED", "Authentication required to create a board");
    expect(expectData).toBeTypeOf("function");
  });
});
