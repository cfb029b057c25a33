/**
 * Boards: reading (single, lists, search, connection) and the board mutations.
 * Every function authorizes against `ctx.viewer` before touching data.
 */
import { z } from "zod";
import { canDeleteBoard, canManageBoard, readableBoardsWhere } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { badUserInput, forbidden } from "../errors.js";
import type { Board, Prisma } from "../generated/prisma/client.js";
import type {
  BoardFilter,
  BoardOrderBy,
  BoardQueryRole,
  BoardScope,
  CreateBoardInput,
  SortOrder,
  UpdateBoardInput,
} from "../graphql/types.generated.js";
import { jsonObject, parseInput, requiredText } from "../lib/validate.js";
import { boardForMutation, readableBoard, requireUser } from "./boardAccess.js";
import { queueStoredObjectDeletion, STORED_OBJECT_COLUMNS } from "./storedObjects.js";
import { escapeLike, filterToWhere, type FieldSpec } from "./pagination/filters.js";
import { checkListWindow, type PageArgs } from "./pagination/pageArgs.js";
import { paginate, type Page, type SortKey } from "./pagination/paginate.js";

const NOTHING: Prisma.BoardWhereInput = { id: { in: [] } };

const SORT_ORDERS: Record<SortOrder, Prisma.BoardOrderByWithRelationInput[]> = {
  CREATED_ASC: [{ createdAt: "asc" }, { id: "asc" }],
  CREATED_DESC: [{ createdAt: "desc" }, { id: "desc" }],
  UPDATED_ASC: [{ updatedAt: "asc" }, { id: "asc" }],
  UPDATED_DESC: [{ updatedAt: "desc" }, { id: "desc" }],
};

const BOARD_FILTER_FIELDS: Record<string, FieldSpec> = {
  id: { column: "id", kind: "equality" },
  ownerId: { column: "ownerId", kind: "equality" },
  title: { column: "title", kind: "string" },
  description: { column: "description", kind: "string", nullable: true },
  isPublic: { column: "isPublic", kind: "boolean" },
  createdAt: { column: "createdAt", kind: "dateTime" },
  updatedAt: { column: "updatedAt", kind: "dateTime" },
};

const BOARD_SORT_KEYS: Record<BoardOrderBy["field"], Omit<SortKey<Board>, "direction">> = {
  CREATED_AT: { field: "createdAt", kind: "date", value: (b) => b.createdAt },
  UPDATED_AT: { field: "updatedAt", kind: "date", value: (b) => b.updatedAt },
  TITLE: { field: "title", kind: "string", value: (b) => b.title },
};

/** Boards the viewer owns or belongs to, narrowed by role (Boards' `myBoards` semantics). */
function myBoardsWhere(ctx: ServiceContext, role: BoardQueryRole | null | undefined): Prisma.BoardWhereInput {
  const userId = ctx.viewer.user?.id;
  if (!userId || !ctx.viewer.tenantId) return NOTHING;
  const tenantId = ctx.viewer.tenantId;
  switch (role ?? "ANY") {
    case "OWNER":
      return { tenantId, ownerId: userId };
    case "MEMBER":
      return { tenantId, ownerId: { not: userId }, members: { some: { userId } } };
    default:
      return { tenantId, OR: [{ ownerId: userId }, { members: { some: { userId } } }] };
  }
}

function publicBoardsWhere(ctx: ServiceContext): Prisma.BoardWhereInput {
  return ctx.viewer.tenantId ? { tenantId: ctx.viewer.tenantId, isPublic: true } : NOTHING;
}

/** A board the viewer may read, or null. */
/**
 * Boards a list returned, entered in the request's board loader: the type resolvers below them
 * (access checks, generation pages) then find them there instead of fetching them again.
 */
function primed(ctx: ServiceContext, boards: Board[]): Board[] {
  for (const board of boards) ctx.loaders.boardById.prime(board.id, board);
  return boards;
}

export function getBoard(ctx: ServiceContext, id: string): Promise<Board | null> {
  return readableBoard(ctx, id);
}

/** `myBoards`: owned and/or member boards, as Boards lists them. Empty for anonymous callers. */
export function listMyBoards(
  ctx: ServiceContext,
  args: { limit?: number | null; offset?: number | null; role?: BoardQueryRole | null; sort?: SortOrder | null },
): Promise<Board[]> {
  const { take, skip } = checkListWindow(args.limit, args.offset, 50);
  return ctx.prisma.board.findMany({
    where: myBoardsWhere(ctx, args.role),
    orderBy: SORT_ORDERS[args.sort ?? "UPDATED_DESC"],
    take,
    skip,
  }).then((rows) => primed(ctx, rows));
}

/** `publicBoards`: public boards of the viewer's tenant. */
export function listPublicBoards(
  ctx: ServiceContext,
  args: { limit?: number | null; offset?: number | null; sort?: SortOrder | null },
): Promise<Board[]> {
  const { take, skip } = checkListWindow(args.limit, args.offset, 50);
  return ctx.prisma.board.findMany({
    where: publicBoardsWhere(ctx),
    orderBy: SORT_ORDERS[args.sort ?? "UPDATED_DESC"],
    take,
    skip,
  }).then((rows) => primed(ctx, rows));
}

/** Readable boards whose title or description contains `query` (literally, any case). */
export function searchBoards(
  ctx: ServiceContext,
  args: { query: string; limit?: number | null; offset?: number | null },
): Promise<Board[]> {
  const { take, skip } = checkListWindow(args.limit, args.offset, 50);
  if (args.query.length > 255) throw badUserInput("`query` must be at most 255 characters", { argument: "query" });
  const text = escapeLike(args.query.trim());
  const where: Prisma.BoardWhereInput = {
    AND: [
      readableBoardsWhere(ctx.viewer),
      text
        ? {
            OR: [
              { title: { contains: text, mode: "insensitive" } },
              { description: { contains: text, mode: "insensitive" } },
            ],
          }
        : {},
    ],
  };
  return ctx.prisma.board.findMany({ where, orderBy: SORT_ORDERS.UPDATED_DESC, take, skip }).then((rows) => primed(ctx, rows));
}

/** Boards owned by (`owned`) or shared with (`member`) a user, limited to what the viewer may read. */
export function listUserBoards(ctx: ServiceContext, userId: string, kind: "owned" | "member"): Promise<Board[]> {
  const relation: Prisma.BoardWhereInput =
    kind === "owned" ? { ownerId: userId } : { ownerId: { not: userId }, members: { some: { userId } } };
  return ctx.prisma.board.findMany({
    where: { AND: [readableBoardsWhere(ctx.viewer), relation] },
    orderBy: SORT_ORDERS.UPDATED_DESC,
  }).then((rows) => primed(ctx, rows));
}

/**
 * `boardsConnection`: a filtered, ordered, paginated board list.
 * @throws BAD_USER_INPUT for invalid pagination or filter arguments.
 */
export function boardsConnection(
  ctx: ServiceContext,
  args: PageArgs & {
    scope?: BoardScope | null;
    role?: BoardQueryRole | null;
    filter?: BoardFilter | null;
    orderBy?: BoardOrderBy[] | null;
  },
): Promise<Page<Board>> {
  const scope = args.scope ?? (ctx.viewer.user ? "MINE" : "PUBLIC");
  const scopeWhere =
    scope === "MINE" ? myBoardsWhere(ctx, args.role) : scope === "PUBLIC" ? publicBoardsWhere(ctx) : readableBoardsWhere(ctx.viewer);
  const where: Prisma.BoardWhereInput = {
    AND: [scopeWhere, filterToWhere<Prisma.BoardWhereInput>(args.filter, BOARD_FILTER_FIELDS)],
  };
  const orderBy = args.orderBy?.length ? args.orderBy : [{ field: "UPDATED_AT" as const, direction: "DESC" as const }];
  return paginate<Board, Prisma.BoardWhereInput>({
    args,
    where,
    list: "Board",
    keys: orderBy.map((o) => ({ ...BOARD_SORT_KEYS[o.field], direction: o.direction === "DESC" ? "desc" : "asc" })),
    findMany: (q) => ctx.prisma.board.findMany(q).then((rows) => primed(ctx, rows)),
    count: (w) => ctx.prisma.board.count({ where: w }),
  });
}

const CreateBoardSchema = z.object({
  title: requiredText(255),
  description: z.string().max(10_000, "must be at most 10000 characters").nullish(),
  isPublic: z.boolean(),
  settings: jsonObject.nullish(),
  metadata: jsonObject.nullish(),
});

/**
 * Creates a board owned by the viewer in the viewer's tenant.
 * @throws UNAUTHENTICATED for anonymous callers; BAD_USER_INPUT with fieldErrors for invalid input.
 */
export async function createBoard(ctx: ServiceContext, input: CreateBoardInput): Promise<Board> {
  const user = requireUser(ctx, "Authentication required to create a board");
  const data = parseInput(CreateBoardSchema, input);
  return ctx.prisma.board.create({
    data: {
      tenantId: user.tenantId,
      ownerId: user.id,
      title: data.title,
      description: data.description ?? null,
      isPublic: data.isPublic,
      settings: (data.settings ?? {}) as Prisma.InputJsonObject,
      metadata: (data.metadata ?? {}) as Prisma.InputJsonObject,
    },
  });
}

const UpdateBoardSchema = z.object({
  id: z.string(),
  title: requiredText(255).optional(),
  description: z.string().max(10_000, "must be at most 10000 characters").nullable().optional(),
  isPublic: z.boolean({ error: "cannot be null" }).optional(),
  settings: jsonObject.nullable().optional(),
  metadata: jsonObject.nullable().optional(),
});

/**
 * Changes a board (owner or admin). Absent fields are kept; `null` clears `description` and
 * resets `settings`/`metadata` to `{}`; `title` and `isPublic` cannot be null.
 * @throws UNAUTHENTICATED, NOT_FOUND, FORBIDDEN, BAD_USER_INPUT.
 */
export async function updateBoard(ctx: ServiceContext, input: UpdateBoardInput): Promise<Board> {
  requireUser(ctx, "Authentication required to update a board");
  if (input.title === null) throw badUserInput("Invalid input: title cannot be null", { argument: "input", fieldErrors: [{ field: "title", message: "cannot be null" }] });
  const data = parseInput(UpdateBoardSchema, input);
  const { board, access } = await boardForMutation(ctx, data.id);
  if (!canManageBoard(access)) throw forbidden("Permission denied: only board owner or admin can update");

  const changes: Prisma.BoardUpdateInput = {};
  if (data.title !== undefined) changes.title = data.title;
  if (data.description !== undefined) changes.description = data.description;
  if (data.isPublic !== undefined) changes.isPublic = data.isPublic;
  if (data.settings !== undefined) changes.settings = (data.settings ?? {}) as Prisma.InputJsonObject;
  if (data.metadata !== undefined) changes.metadata = (data.metadata ?? {}) as Prisma.InputJsonObject;
  const updated = await ctx.prisma.board.update({ where: { id: board.id }, data: changes });
  // Made private: live streams of non-members end.
  if (board.isPublic && !updated.isPublic) await ctx.events.publishAccessChange(board.id);
  return updated;
}

/**
 * Deletes a board with its members, generations and tag links (owner only).
 * @throws UNAUTHENTICATED, NOT_FOUND, FORBIDDEN.
 */
export async function deleteBoard(ctx: ServiceContext, id: string): Promise<{ success: true; id: string }> {
  requireUser(ctx, "Authentication required to delete a board");
  const { board, access } = await boardForMutation(ctx, id);
  if (!canDeleteBoard(access)) throw forbidden("Permission denied: only board owner can delete");
  // The rows cascade; their stored files are deleted by a job queued in the same transaction,
  // so a board with thousands of generations neither blocks the request nor leaks files.
  await ctx.prisma.$transaction(async (tx) => {
    const stored = await tx.generation.findMany({ where: { boardId: board.id, storageKey: { not: null } }, select: STORED_OBJECT_COLUMNS });
    await tx.board.delete({ where: { id: board.id } });
    await queueStoredObjectDeletion(tx, ctx, stored);
  });
  await ctx.events.publishAccessChange(board.id);
  return { success: true, id: board.id };
}
