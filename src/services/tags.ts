/**
 * Tags: tenant-wide labels any signed-in user of the tenant may manage, and their links to
 * generations (which need editor rights on the generation's board).
 */
import { z } from "zod";
import { canEditGenerations } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { badUserInput, conflict, forbidden, notFound } from "../errors.js";
import type { Prisma, Tag } from "../generated/prisma/client.js";
import type { CreateTagInput, TagFilter, TagOrderBy, UpdateTagInput } from "../graphql/types.generated.js";
import { SLUG_PATTERN, slugify } from "../lib/slugify.js";
import { isUniqueViolation, jsonObject, parseInput, requiredText } from "../lib/validate.js";
import { boardForMutation, requireUser } from "./boardAccess.js";
import { filterToWhere, type FieldSpec } from "./pagination/filters.js";
import { checkListWindow, type PageArgs } from "./pagination/pageArgs.js";
import { paginate, type Page, type SortKey } from "./pagination/paginate.js";

const NOTHING: Prisma.TagWhereInput = { id: { in: [] } };

const TAG_FILTER_FIELDS: Record<string, FieldSpec> = {
  id: { column: "id", kind: "equality" },
  name: { column: "name", kind: "string" },
  slug: { column: "slug", kind: "string" },
  description: { column: "description", kind: "string", nullable: true },
  createdAt: { column: "createdAt", kind: "dateTime" },
};

const TAG_SORT_KEYS: Record<TagOrderBy["field"], Omit<SortKey<Tag>, "direction">> = {
  NAME: { field: "name", kind: "string", value: (t) => t.name },
  SLUG: { field: "slug", kind: "string", value: (t) => t.slug },
  CREATED_AT: { field: "createdAt", kind: "date", value: (t) => t.createdAt },
  UPDATED_AT: { field: "updatedAt", kind: "date", value: (t) => t.updatedAt },
};

/** Tags are visible to signed-in users of their tenant only (as in Boards). */
function visibleTagsWhere(ctx: ServiceContext): Prisma.TagWhereInput {
  const user = ctx.viewer.user;
  return user ? { tenantId: user.tenantId } : NOTHING;
}

/** `tags`: the tenant's tags by name; empty for anonymous callers. */
export function listTags(ctx: ServiceContext, args: { limit?: number | null; offset?: number | null }): Promise<Tag[]> {
  const { take, skip } = checkListWindow(args.limit, args.offset, 100);
  return ctx.prisma.tag.findMany({ where: visibleTagsWhere(ctx), orderBy: [{ name: "asc" }, { id: "asc" }], take, skip });
}

/** A tag of the viewer's tenant, or null. */
export async function getTag(ctx: ServiceContext, id: string): Promise<Tag | null> {
  const tag = await ctx.loaders.tagById.load(id);
  return tag && ctx.viewer.user && tag.tenantId === ctx.viewer.user.tenantId ? tag : null;
}

/** A tag of the viewer's tenant by slug, or null. */
export async function getTagBySlug(ctx: ServiceContext, slug: string): Promise<Tag | null> {
  const user = ctx.viewer.user;
  if (!user) return null;
  return ctx.prisma.tag.findUnique({ where: { tenantId_slug: { tenantId: user.tenantId, slug } } });
}

/**
 * `tagsConnection`: filtered, ordered, paginated tags of the viewer's tenant.
 * @throws BAD_USER_INPUT for invalid pagination or filter arguments.
 */
export function tagsConnection(
  ctx: ServiceContext,
  args: PageArgs & { filter?: TagFilter | null; orderBy?: TagOrderBy[] | null },
): Promise<Page<Tag>> {
  const where: Prisma.TagWhereInput = {
    AND: [visibleTagsWhere(ctx), filterToWhere<Prisma.TagWhereInput>(args.filter, TAG_FILTER_FIELDS)],
  };
  const orderBy = args.orderBy?.length ? args.orderBy : [{ field: "NAME" as const, direction: "ASC" as const }];
  return paginate<Tag, Prisma.TagWhereInput>({
    args,
    where,
    list: "Tag",
    keys: orderBy.map((o) => ({ ...TAG_SORT_KEYS[o.field], direction: o.direction === "DESC" ? "desc" : "asc" })),
    findMany: (q) => ctx.prisma.tag.findMany(q),
    count: (w) => ctx.prisma.tag.count({ where: w }),
  });
}

const slugField = z
  .string()
  .max(100, "must be at most 100 characters")
  .regex(SLUG_PATTERN, "must be lowercase letters, digits and single hyphens");

const CreateTagSchema = z.object({
  name: requiredText(100),
  slug: slugField.nullish(),
  description: z.string().max(10_000, "must be at most 10000 characters").nullish(),
  metadata: jsonObject.nullish(),
});

const UpdateTagSchema = z.object({
  id: z.string(),
  name: requiredText(100).optional(),
  slug: slugField.optional(),
  description: z.string().max(10_000, "must be at most 10000 characters").nullable().optional(),
  metadata: jsonObject.nullable().optional(),
});

function derivedSlug(name: string): string {
  const slug = slugify(name).slice(0, 100).replace(/-$/, "");
  if (!slug) {
    throw badUserInput("Tag name must contain at least one alphanumeric character", {
      argument: "input",
      fieldErrors: [{ field: "name", message: "must contain at least one alphanumeric character" }],
    });
  }
  return slug;
}

async function saveTag<T>(slug: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`Tag with slug '${slug}' already exists`);
    throw error;
  }
}

/**
 * Creates a tag in the viewer's tenant; the slug is derived from the name unless given.
 * @throws UNAUTHENTICATED, BAD_USER_INPUT, CONFLICT (slug taken in the tenant).
 */
export async function createTag(ctx: ServiceContext, input: CreateTagInput): Promise<Tag> {
  const user = requireUser(ctx, "Authentication required to create a tag");
  const data = parseInput(CreateTagSchema, input);
  const slug = data.slug ?? derivedSlug(data.name);
  return saveTag(slug, () =>
    ctx.prisma.tag.create({
      data: {
        tenantId: user.tenantId,
        name: data.name,
        slug,
        description: data.description ?? null,
        metadata: (data.metadata ?? {}) as Prisma.InputJsonObject,
      },
    }),
  );
}

/**
 * Changes a tag of the viewer's tenant. A new name without a slug re-derives the slug.
 * @throws UNAUTHENTICATED, BAD_USER_INPUT, NOT_FOUND, CONFLICT.
 */
export async function updateTag(ctx: ServiceContext, input: UpdateTagInput): Promise<Tag> {
  requireUser(ctx, "Authentication required to update a tag");
  for (const field of ["name", "slug"] as const) {
    if (input[field] === null) {
      throw badUserInput(`Invalid input: ${field} cannot be null`, { argument: "input", fieldErrors: [{ field, message: "cannot be null" }] });
    }
  }
  const data = parseInput(UpdateTagSchema, input);
  const tag = await getTag(ctx, data.id);
  if (!tag) throw notFound("Tag not found");
  const changes: Prisma.TagUpdateInput = {};
  if (data.name !== undefined) changes.name = data.name;
  if (data.slug !== undefined) changes.slug = data.slug;
  else if (data.name !== undefined && data.name !== tag.name) changes.slug = derivedSlug(data.name);
  if (data.description !== undefined) changes.description = data.description;
  if (data.metadata !== undefined) changes.metadata = (data.metadata ?? {}) as Prisma.InputJsonObject;
  return saveTag(String(changes.slug ?? tag.slug), () => ctx.prisma.tag.update({ where: { id: tag.id }, data: changes }));
}

/**
 * Deletes a tag of the viewer's tenant and its links to generations.
 * @throws UNAUTHENTICATED, NOT_FOUND.
 */
export async function deleteTag(ctx: ServiceContext, id: string): Promise<true> {
  requireUser(ctx, "Authentication required to delete a tag");
  const tag = await getTag(ctx, id);
  if (!tag) throw notFound("Tag not found");
  await ctx.prisma.tag.delete({ where: { id: tag.id } });
  return true;
}

async function taggableGeneration(ctx: ServiceContext, generationId: string, tagId: string) {
  requireUser(ctx, "Authentication required to tag generations");
  const generation = await ctx.loaders.generationById.load(generationId);
  if (!generation || generation.tenantId !== ctx.viewer.tenantId) throw notFound("Generation not found");
  const { access } = await boardForMutation(ctx, generation.boardId, "Generation not found");
  if (!canEditGenerations(access)) {
    throw forbidden("Permission denied: only board owner or editor can modify generation tags");
  }
  const tag = await getTag(ctx, tagId);
  if (!tag) throw notFound("Tag not found");
  return { generation, tag };
}

/**
 * Links a tag to a generation; linking twice is a no-op.
 * @throws UNAUTHENTICATED, NOT_FOUND (generation or tag), FORBIDDEN.
 */
export async function addTagToGeneration(ctx: ServiceContext, generationId: string, tagId: string): Promise<Tag> {
  const { generation, tag } = await taggableGeneration(ctx, generationId, tagId);
  await ctx.prisma.generationTag.createMany({ data: [{ generationId: generation.id, tagId: tag.id }], skipDuplicates: true });
  return tag;
}

/**
 * Unlinks a tag from a generation.
 * @throws UNAUTHENTICATED, NOT_FOUND (generation, tag, or no such link), FORBIDDEN.
 */
export async function removeTagFromGeneration(ctx: ServiceContext, generationId: string, tagId: string): Promise<true> {
  const { generation, tag } = await taggableGeneration(ctx, generationId, tagId);
  const { count } = await ctx.prisma.generationTag.deleteMany({ where: { generationId: generation.id, tagId: tag.id } });
  if (count === 0) throw notFound("Tag is not associated with this generation");
  return true;
}

/** Tags of a generation the viewer was allowed to read, by name. */
export function listGenerationTags(ctx: ServiceContext, generationId: string): Promise<Tag[]> {
  return ctx.loaders.tagsByGenerationId.load(generationId);
}
