/**
 * Direct inserts for state the public API cannot create yet (generations come from the
 * pipeline) or that would be slow to build one request at a time (hundreds of boards).
 */
import type { PrismaClient } from "../../src/db.js";
import type { ArtifactType, Board, Generation, GenerationStatus, Prisma } from "../../src/generated/prisma/client.js";

export async function insertGeneration(
  prisma: PrismaClient,
  board: Pick<Board, "id" | "tenantId">,
  userId: string,
  overrides: Partial<Prisma.GenerationUncheckedCreateInput> & { status?: GenerationStatus; artifactType?: ArtifactType } = {},
): Promise<Generation> {
  return prisma.generation.create({
    data: {
      tenantId: board.tenantId,
      boardId: board.id,
      userId,
      generatorName: "image-from-prompt",
      artifactType: "IMAGE",
      inputParams: { prompt: "a red fox" },
      status: "COMPLETED",
      progress: 100,
      storageUrl: "http://127.0.0.1/api/storage/x",
      outputMetadata: { format: "png", width: 64, height: 64 },
      ...overrides,
    },
  });
}

export async function boardRow(prisma: PrismaClient, id: string): Promise<Board> {
  return prisma.board.findUniqueOrThrow({ where: { id } });
}
