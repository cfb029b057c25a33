/**
 * generationsByIds and boardsByIds (raw SQL) return rows exactly as Prisma's models do: every
 * field, with upper-case enums, Decimals, Dates, parsed JSON and nulls, for rows in every state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../src/generated/prisma/client.js";
import { boardsByIds, generationsByIds } from "../src/services/generationRows.js";
import { seedBoards } from "./helpers/seedBoards.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

describe("generationsByIds", () => {
  it("equals Prisma's rows, field for field", async () => {
    const seeded = await seedBoards(server.prisma, { boards: 1, generationsPerBoard: 3 });
    const [full, failed] = await server.prisma.generation.findMany({ where: { boardId: seeded.boardIds[0] }, orderBy: { id: "asc" } });
    const account = await server.prisma.creditAccount.create({ data: { tenantId: full!.tenantId, holder: "tenant", balance: 5 } });
    await server.prisma.generation.update({
      where: { id: full!.id },
      data: {
        artifactType: "VIDEO",
        status: "PROCESSING",
        inputParams: { prompt: "ünïcode ✓", nested: { list: [1, 2.5, null, true] } },
        metadata: { client: "x" },
        storageUrl: "https://example.test/a.mp4",
        storageKey: "t/a.mp4",
        storageProvider: "local",
        thumbnailUrl: "https://example.test/a.webp",
        additionalFiles: [{ url: "https://example.test/c.png", type: "cover", metadata: {} }],
        outputMetadata: { width: 16 },
        inputArtifacts: [{ generation_id: failed!.id, role: "image", artifact_type: "image" }],
        externalJobId: "job-1",
        estimatedCost: new Prisma.Decimal("0.123456"),
        creditAccountId: account.id,
        creditsReserved: new Prisma.Decimal("12.5"),
        progress: 42.5,
        startedAt: new Date("2026-03-01T10:00:00.123Z"),
      },
    });
    await server.prisma.generation.update({ where: { id: failed!.id }, data: { status: "FAILED", errorMessage: "boom", completedAt: new Date() } });
    const ids = (await server.prisma.generation.findMany({ where: { boardId: seeded.boardIds[0] }, select: { id: true } })).map((g) => g.id);
    const expected = await server.prisma.generation.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
    const actual = (await generationsByIds(server.prisma, [...ids, "00000000-0000-4000-8000-000000000000"])).sort((a, b) => a.id.localeCompare(b.id));
    expect(actual).toEqual(expected);
    expect(actual.map((g) => Object.keys(g).sort())).toEqual(expected.map((g) => Object.keys(g).sort()));
    const row = actual.find((g) => g.id === full!.id)!;
    expect(row.estimatedCost).toBeInstanceOf(Prisma.Decimal);
    expect(row.estimatedCost!.toString()).toBe("0.123456");
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(Object.keys(row).sort()).toEqual(Object.values(Prisma.GenerationScalarFieldEnum).sort());
    expect(await generationsByIds(server.prisma, [])).toEqual([]);
  });

  it("boardsByIds equals Prisma's board rows", async () => {
    const seeded = await seedBoards(server.prisma, { boards: 2, generationsPerBoard: 0 });
    await server.prisma.board.update({
      where: { id: seeded.boardIds[0] },
      data: { description: "déjà vu ✓", isPublic: true, settings: { theme: "dark", n: [1, null] }, metadata: { a: { b: true } } },
    });
    const expected = await server.prisma.board.findMany({ where: { id: { in: seeded.boardIds } }, orderBy: { id: "asc" } });
    const actual = (await boardsByIds(server.prisma, seeded.boardIds)).sort((a, b) => a.id.localeCompare(b.id));
    expect(actual).toEqual(expected);
    expect(Object.keys(actual[0]!).sort()).toEqual(Object.values(Prisma.BoardScalarFieldEnum).sort());
    expect(await boardsByIds(server.prisma, [])).toEqual([]);
  });
});
