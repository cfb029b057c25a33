/**
 * Per-request DataLoaders: every relation a type resolver reads goes through one of these, so a
 * list of N parents costs one statement per relation, not N. Results follow key order, with
 * null (or []) for misses. Create a fresh set per request: they cache.
 */
import DataLoader from "dataloader";
import type { PrismaClient } from "./db.js";
import { Prisma, type Board, type BoardMember, type BoardRole, type Generation, type Tag, type User } from "./generated/prisma/client.js";
import { createBoardGenerationLoaders } from "./services/boardGenerationPages.js";
import { boardsByIds, generationsByIds } from "./services/generationRows.js";
import { LEDGER_ROW, type LedgerRow } from "./services/credits/ledgerRow.js";
import type { Viewer } from "./auth/viewer.js";
import { queryRows } from "./queryRows.js";
import { tracedBatch } from "./tracing/tracedBatch.js";

function byId<T extends { id: string }>(rows: T[], keys: readonly string[]): Array<T | null> {
  const map = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<T>(rows: T[], keys: readonly string[], keyOf: (row: T) => string): T[][] {
  const map = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) map.get(keyOf(row))?.push(row);
  return keys.map((k) => map.get(k) ?? []);
}

export function createLoaders(prisma: PrismaClient, viewer: Viewer) {
  const userById = new DataLoader<string, User | null>(tracedBatch("userById", async (ids) =>
    byId(await prisma.user.findMany({ where: { id: { in: [...ids] } } }), ids),
  ));

  const generationById = new DataLoader<string, Generation | null>(tracedBatch("generationById", async (ids) =>
    byId(await generationsByIds(prisma, ids), ids),
  ));

  return {
    userById,
    generationById,
    boardById: new DataLoader<string, Board | null>(tracedBatch("boardById", async (ids) => byId(await boardsByIds(prisma, ids), ids))),
    tagById: new DataLoader<string, Tag | null>(tracedBatch("tagById", async (ids) =>
      byId(await prisma.tag.findMany({ where: { id: { in: [...ids] } } }), ids),
    )),
    /** Credit transactions with their account's holder, for `node(id)`. */
    creditTransactionById: new DataLoader<string, LedgerRow | null>(tracedBatch("creditTransactionById", async (ids) =>
      byId(await prisma.creditTransaction.findMany({ where: { id: { in: [...ids] } }, ...LEDGER_ROW }), ids),
    )),
    memberById: new DataLoader<string, BoardMember | null>(tracedBatch("memberById", async (ids) =>
      byId(await prisma.boardMember.findMany({ where: { id: { in: [...ids] } } }), ids),
    )),
    /** Members of each board with their users joined in one statement; primes `userById`. */
    membersByBoardId: new DataLoader<string, BoardMember[]>(tracedBatch("membersByBoardId", async (boardIds) => {
      const rows = await prisma.boardMember.findMany({
        where: { boardId: { in: [...boardIds] } },
        include: { user: true },
        orderBy: [{ joinedAt: "asc" }, { id: "asc" }],
        relationLoadStrategy: "join",
      });
      return groupBy(
        rows.map(({ user, ...member }) => {
          userById.prime(user.id, user);
          return member;
        }),
        boardIds,
        (m) => m.boardId,
      );
    })),
    /** The viewer's own role on each board (null: not a member). */
    viewerRoleByBoardId: new DataLoader<string, BoardRole | null>(tracedBatch("viewerRoleByBoardId", async (boardIds) => {
      const userId = viewer.user?.id;
      if (!userId) return boardIds.map(() => null);
      const rows = await prisma.boardMember.findMany({
        where: { userId, boardId: { in: [...boardIds] } },
        select: { boardId: true, role: true },
      });
      const map = new Map(rows.map((r) => [r.boardId, r.role]));
      return boardIds.map((id) => map.get(id) ?? null);
    })),
    generationCountByBoardId: new DataLoader<string, number>(tracedBatch("generationCountByBoardId", async (boardIds) => {
      const rows = await prisma.generation.groupBy({
        by: ["boardId"],
        where: { boardId: { in: [...boardIds] } },
        _count: { _all: true },
      });
      const map = new Map(rows.map((r) => [r.boardId, r._count._all]));
      return boardIds.map((id) => map.get(id) ?? 0);
    })),
    /** Tags of each generation, by name. Raw SQL: Prisma's joined rows cost twice this to read back. */
    tagsByGenerationId: new DataLoader<string, Tag[]>(tracedBatch("tagsByGenerationId", async (generationIds) => {
      const rows = await queryRows<Tag & { generationId: string }>(prisma, Prisma.sql`
        SELECT gt.generation_id AS "generationId", t.id, t.tenant_id AS "tenantId", t.name, t.slug, t.description, t.metadata,
               t.created_at AS "createdAt", t.updated_at AS "updatedAt"
        FROM generation_tags gt JOIN tags t ON t.id = gt.tag_id
        WHERE gt.generation_id = ANY(${[...generationIds]}::uuid[])
        ORDER BY t.name, t.id`);
      return groupBy(rows, generationIds, (r) => r.generationId).map((group) => group.map(({ generationId: _, ...tag }) => tag));
    })),
    ...createBoardGenerationLoaders(prisma, (g) => generationById.prime(g.id, g)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
