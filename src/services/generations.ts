/**
 * Reading generations: single, lists, connections, lineage entries. A generation is visible
 * exactly when its board is.
 */
import { canReadBoard, readableBoardsWhere } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import type { ArtifactType, Generation, GenerationStatus, Prisma } from "../generated/prisma/client.js";
import type { ArtifactLineageMapper } from "../graphql/mappers.js";
import type { GenerationFilter, GenerationOrderBy } from "../graphql/types.generated.js";
import { accessToBoard, readableBoard } from "./boardAccess.js";
import { filterToWhere, type FieldSpec } from "./pagination/filters.js";
import { checkListWindow, type PageArgs } from "./pagination/pageArgs.js";
import { paginate, planPage, type Page, type SortKey } from "./pagination/paginate.js";
import { isUuid } from "../lib/uuid.js";

const NOTHING: Prisma.GenerationWhereInput = { id: { in: [] } };

const GENERATION_FILTER_FIELDS: Record<string, FieldSpec> = {
  id: { column: "id", kind: "equality" },
  boardId: { column: "boardId", kind: "equality" },
  userId: { column: "userId", kind: "equality" },
  generatorName: { column: "generatorName", kind: "string" },
  artifactType: { column: "artifactType", kind: "equality" },
  status: { column: "status", kind: "equality" },
  createdAt: { column: "createdAt", kind: "dateTime" },
  updatedAt: { column: "updatedAt", kind: "dateTime" },
  completedAt: { column: "completedAt", kind: "dateTime", nullable: true },
};

const GENERATION_SORT_KEYS: Record<GenerationOrderBy["field"], Omit<SortKey<Generation>, "direction">> = {
  CREATED_AT: { field: "createdAt", kind: "date", value: (g) => g.createdAt },
  UPDATED_AT: { field: "updatedAt", kind: "date", value: (g) => g.updatedAt },
  GENERATOR_NAME: { field: "generatorName", kind: "string", value: (g) => g.generatorName },
};

const NEWEST_FIRST: Prisma.GenerationOrderByWithRelationInput[] = [{ createdAt: "desc" }, { id: "desc" }];

/** Whether the viewer may read this generation (i.e. its board). */
export async function canReadGeneration(ctx: ServiceContext, generation: Generation): Promise<boolean> {
  if (generation.tenantId !== ctx.viewer.tenantId) return false;
  const board = await ctx.loaders.boardById.load(generation.boardId);
  return board !== null && canReadBoard(await accessToBoard(ctx, board));
}

/** A generation the viewer may read, or null. */
export async function getGeneration(ctx: ServiceContext, id: string): Promise<Generation | null> {
  const generation = await ctx.loaders.generationById.load(id);
  return generation && (await canReadGeneration(ctx, generation)) ? generation : null;
}

/** Generations on one board, or on every board the viewer may read, as a `where`. */
async function scopeWhere(ctx: ServiceContext, boardId: string | null | undefined): Promise<Prisma.GenerationWhereInput> {
  if (boardId) return (await readableBoard(ctx, boardId)) ? { boardId } : NOTHING;
  if (!ctx.viewer.tenantId) return NOTHING;
  return { tenantId: ctx.viewer.tenantId, board: readableBoardsWhere(ctx.viewer) };
}

/** `generations` / `recentGenerations`: readable generations, newest first. */
export async function listGenerations(
  ctx: ServiceContext,
  args: {
    boardId?: string | null;
    status?: GenerationStatus | null;
    artifactType?: ArtifactType | null;
    limit?: number | null;
    offset?: number | null;
  },
): Promise<Generation[]> {
  const { take, skip } = checkListWindow(args.limit, args.offset, 50);
  const where: Prisma.GenerationWhereInput = {
    AND: [
      await scopeWhere(ctx, args.boardId),
      args.status ? { status: args.status } : {},
      args.artifactType ? { artifactType: args.artifactType } : {},
    ],
  };
  return ctx.prisma.generation.findMany({ where, orderBy: NEWEST_FIRST, take, skip });
}

/** `Board.generations`: generations of a board the viewer was allowed to read, newest first. */
export function listBoardGenerations(
  ctx: ServiceContext,
  boardId: string,
  args: { limit?: number | null; offset?: number | null },
): Promise<Generation[]> {
  const { take, skip } = checkListWindow(args.limit, args.offset, 50);
  return ctx.prisma.generation.findMany({ where: { boardId }, orderBy: NEWEST_FIRST, take, skip });
}

/** `Board.generationCount`, batched across boards. */
export function countBoardGenerations(ctx: ServiceContext, boardId: string): Promise<number> {
  return ctx.loaders.generationCountByBoardId.load(boardId);
}

type ConnectionArgs = PageArgs & { filter?: GenerationFilter | null; orderBy?: GenerationOrderBy[] | null };

/** The sort keys of a connection's `orderBy` (default: newest first). */
function sortKeysOf(orderBy: GenerationOrderBy[] | null | undefined): Array<SortKey<Generation>> {
  const given = orderBy?.length ? orderBy : [{ field: "CREATED_AT" as const, direction: "DESC" as const }];
  return given.map((o) => ({ ...GENERATION_SORT_KEYS[o.field], direction: o.direction === "DESC" ? "desc" : "asc" }));
}

/**
 * `generationsConnection` (root): filtered, ordered, paginated; on one board or every readable one.
 * @throws BAD_USER_INPUT for invalid pagination or filter arguments.
 */
export async function generationsConnection(ctx: ServiceContext, args: ConnectionArgs & { boardId?: string | null }): Promise<Page<Generation>> {
  const where: Prisma.GenerationWhereInput = {
    AND: [
      await scopeWhere(ctx, args.boardId),
      filterToWhere<Prisma.GenerationWhereInput>(args.filter, GENERATION_FILTER_FIELDS),
    ],
  };
  return paginate<Generation, Prisma.GenerationWhereInput>({
    args,
    where,
    list: "Generation",
    keys: sortKeysOf(args.orderBy),
    findMany: (q) => ctx.prisma.generation.findMany(q),
    count: (w) => ctx.prisma.generation.count({ where: w }),
  });
}

/**
 * `Board.generationsConnection`: the same page as `generationsConnection(boardId:)`, fetched
 * with the pages of the request's other boards in one statement (see boardGenerationPages.ts).
 * Empty when the viewer may not read the board.
 * @throws BAD_USER_INPUT for invalid pagination or filter arguments.
 */
export async function boardGenerationsConnection(ctx: ServiceContext, boardId: string, args: ConnectionArgs): Promise<Page<Generation>> {
  const filter = filterToWhere<Prisma.GenerationWhereInput>(args.filter, GENERATION_FILTER_FIELDS);
  const plan = planPage<Generation>({ args, keys: sortKeysOf(args.orderBy), list: "Generation" });
  if (!(await readableBoard(ctx, boardId))) return plan.finish([], () => Promise.resolve(0));
  const { first, after, last, before, limit, offset } = args;
  const signature = JSON.stringify([args.filter ?? null, args.orderBy ?? null, first, after, last, before, limit, offset]);
  return ctx.loaders.boardGenerationPages.load({ boardId, signature, filter, plan });
}

/** Extra files stored on a generation (`[{url, type, metadata}]`), skipping malformed entries. */
export function additionalFilesOf(generation: Pick<Generation, "additionalFiles">): Array<{ url: string; type: string; metadata: unknown }> {
  const raw = Array.isArray(generation.additionalFiles) ? generation.additionalFiles : [];
  return raw.flatMap((entry) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return [];
    const { url, type, metadata } = entry as Record<string, unknown>;
    if (typeof url !== "string" || typeof type !== "string") return [];
    return [{ url, type, metadata: typeof metadata === "object" && metadata !== null ? metadata : {} }];
  });
}

const ARTIFACT_TYPES: Record<string, ArtifactType> = {
  image: "IMAGE",
  video: "VIDEO",
  audio: "AUDIO",
  text: "TEXT",
  lora: "LORA",
  model: "MODEL",
};

/** Lineage entries stored on a generation (`[{generation_id, role, artifact_type}]`), skipping malformed ones. */
export function inputArtifactsOf(generation: Generation): ArtifactLineageMapper[] {
  const raw = Array.isArray(generation.inputArtifacts) ? generation.inputArtifacts : [];
  const out: ArtifactLineageMapper[] = [];
  for (const entry of raw) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
    const { generation_id, role, artifact_type } = entry as Record<string, unknown>;
    const artifactType = typeof artifact_type === "string" ? ARTIFACT_TYPES[artifact_type.toLowerCase()] : undefined;
    if (typeof generation_id !== "string" || !isUuid(generation_id) || typeof role !== "string" || !artifactType) continue;
    out.push({ generationId: generation_id.toLowerCase(), role, artifactType });
  }
  return out;
}
