/**
 * Bulk fixture for query-cost checks: one tenant, an owner, a few members, and `boards` boards
 * each with every member and some generations. Inserted with createMany (a handful of
 * statements), so hundreds of boards take milliseconds.
 */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../src/db.js";

export type SeededBoards = { tenantSlug: string; ownerSubject: string; boardIds: string[] };

export async function seedBoards(
  prisma: PrismaClient,
  options: { boards: number; membersPerBoard?: number; generationsPerBoard?: number; provider?: string },
): Promise<SeededBoards> {
  const { boards, membersPerBoard = 2, generationsPerBoard = 3, provider = "jwt" } = options;
  const tenantSlug = `seed-${randomUUID().slice(0, 8)}`;
  const tenant = await prisma.tenant.create({ data: { slug: tenantSlug, name: tenantSlug } });
  const ownerSubject = `owner-${tenantSlug}`;
  const owner = await prisma.user.create({
    data: { tenantId: tenant.id, authProvider: provider, authSubject: ownerSubject, displayName: "Owner" },
  });
  const members = await Promise.all(
    Array.from({ length: membersPerBoard }, (_, i) =>
      prisma.user.create({
        data: { tenantId: tenant.id, authProvider: provider, authSubject: `member-${i}-${tenantSlug}`, displayName: `Member ${i}` },
      }),
    ),
  );
  const boardIds = Array.from({ length: boards }, () => randomUUID());
  await prisma.board.createMany({
    data: boardIds.map((id, i) => ({ id, tenantId: tenant.id, ownerId: owner.id, title: `Board ${i}` })),
  });
  await prisma.boardMember.createMany({
    data: boardIds.flatMap((boardId, i) =>
      members.map((m) => ({ boardId, userId: m.id, role: i % 2 ? ("EDITOR" as const) : ("VIEWER" as const), invitedBy: owner.id })),
    ),
  });
  await prisma.generation.createMany({
    data: boardIds.flatMap((boardId) =>
      Array.from({ length: generationsPerBoard }, () => ({
        tenantId: tenant.id,
        boardId,
        userId: owner.id,
        generatorName: "image-from-prompt",
        artifactType: "IMAGE" as const,
        inputParams: { prompt: "seed" },
        status: "COMPLETED" as const,
      })),
    ),
  });
  return { tenantSlug, ownerSubject, boardIds };
}
