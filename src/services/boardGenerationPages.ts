/**
 * `Board.generationsConnection` for every board of a request at once: the boards asking for the
 * same page (same filter, order and cursor) get it from two statements — the pages' ids from a
 * LATERAL subquery per board with its own LIMIT and OFFSET (Prisma's `join` relation strategy),
 * then their rows — and their `totalCount`s from one more, instead of one of each per board. The page plan is the one
 * `generationsConnection(boardId:)` runs alone (see pagination/paginate.ts), so a board's page,
 * its cursors and its count are the same whichever way it is asked for.
 */
import DataLoader from "dataloader";
import type { PrismaClient } from "../db.js";
import type { Generation, Prisma } from "../generated/prisma/client.js";
import { tracedBatch } from "../tracing/tracedBatch.js";
import { generationsByIds } from "./generationRows.js";
import type { Page, PagePlan } from "./pagination/paginate.js";

/** One board's page request: what to fetch, and a key naming the page arguments. */
export type BoardPageKey = {
  boardId: string;
  /** The page arguments (filter, order, cursor, size) as text: equal for requests that share a plan. */
  signature: string;
  filter: Prisma.GenerationWhereInput;
  plan: PagePlan<Generation>;
};

const cacheKey = (key: BoardPageKey) => `${key.boardId}\u0000${key.signature}`;

/** The keys grouped by their page arguments: each group is one statement. */
function bySignature(keys: readonly BoardPageKey[]): BoardPageKey[][] {
  const groups = new Map<string, BoardPageKey[]>();
  for (const key of keys) {
    const group = groups.get(key.signature);
    if (group) group.push(key);
    else groups.set(key.signature, [key]);
  }
  return [...groups.values()];
}

/**
 * The per-request loaders of boards' generation pages and their counts. `prime` enters the
 * fetched generations in the request's generation loader.
 */
export function createBoardGenerationLoaders(prisma: PrismaClient, prime: (generation: Generation) => void) {
  const boardGenerationCounts = new DataLoader<BoardPageKey, number, string>(
    tracedBatch("boardGenerationCounts", async (keys) => {
      const counts = new Map<string, number>();
      await Promise.all(
        bySignature(keys).map(async (group) => {
          const rows = await prisma.generation.groupBy({
            by: ["boardId"],
            where: { AND: [{ boardId: { in: group.map((k) => k.boardId) } }, group[0]!.filter] },
            _count: { _all: true },
          });
          const byBoard = new Map(rows.map((r) => [r.boardId, r._count._all]));
          for (const key of group) counts.set(cacheKey(key), byBoard.get(key.boardId) ?? 0);
        }),
      );
      return keys.map((k) => counts.get(cacheKey(k)) ?? 0);
    }),
    { cacheKeyFn: cacheKey },
  );

  const boardGenerationPages = new DataLoader<BoardPageKey, Page<Generation>, string>(
    tracedBatch("boardGenerationPages", async (keys) => {
      const pages = new Map<string, Page<Generation>>();
      await Promise.all(
        bySignature(keys).map(async (group) => {
          const { filter, plan } = group[0]!;
          // The pages' ids, then their rows: Prisma turns joined rows back from JSON, which
          // costs several times a flat read of the same rows (itself raw, see generationRows.ts).
          const boards = await prisma.board.findMany({
            where: { id: { in: group.map((k) => k.boardId) } },
            select: {
              id: true,
              generations: {
                select: { id: true },
                where: plan.condition ? { AND: [filter, plan.condition] } : filter,
                orderBy: plan.orderBy,
                take: plan.take,
                ...(plan.skip ? { skip: plan.skip } : {}),
              },
            },
            relationLoadStrategy: "join",
          });
          const ids = boards.flatMap((b) => b.generations.map((g) => g.id));
          const rows = new Map((await generationsByIds(prisma, ids)).map((g) => [g.id, g]));
          for (const row of rows.values()) prime(row);
          const pageIds = new Map(boards.map((b) => [b.id, b.generations.map((g) => g.id)]));
          for (const key of group) {
            // A row deleted between the two reads is left out of its page.
            const fetched = (pageIds.get(key.boardId) ?? []).flatMap((id) => rows.get(id) ?? []);
            pages.set(cacheKey(key), plan.finish(fetched, () => boardGenerationCounts.load(key)));
          }
        }),
      );
      return keys.map((k) => pages.get(cacheKey(k))!);
    }),
    { cacheKeyFn: cacheKey },
  );

  return { boardGenerationPages, boardGenerationCounts };
}
