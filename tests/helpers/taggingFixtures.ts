/**
 * Small builders on top of the public API (boards, members, tags) and the generation factory,
 * shared by the tag, generation and tenant-isolation suites.
 */
import { expect } from "vitest";
import type { Generation, Prisma } from "../../src/generated/prisma/client.js";
import { newTenant, type Actor, type TenantHandle } from "./actors.js";
import { boardRow, insertGeneration } from "./factories.js";
import type { GqlResult, TestServer } from "./server.js";

export type Role = "VIEWER" | "EDITOR" | "ADMIN";

/** Any caller that can run GraphQL operations (a signed-in actor or a tenant's anonymous caller). */
export type Caller = Pick<Actor, "gql" | "ok">;

export type TagRow = {
  id: string;
  tenantId: string;
  name: string;
  slug: string;
  description: string | null;
  metadata: unknown;
  createdAt: string;
  updatedAt: string;
};

export const TAG_FIELDS = "id tenantId name slug description metadata createdAt updatedAt";

/** Creates a board through the API and returns its id. */
export async function createBoard(
  actor: Actor,
  input: { title?: string; description?: string | null; isPublic?: boolean } = {},
): Promise<string> {
  const data = await actor.ok<{ createBoard: { id: string } }>(
    `mutation($input: CreateBoardInput!) { createBoard(input: $input) { id } }`,
    { input: { title: input.title ?? "Board", description: input.description ?? null, isPublic: input.isPublic ?? false } },
  );
  return data.createBoard.id;
}

/** Adds `userId` to a board as `role` (the caller must be allowed to) and returns the membership id. */
export async function addBoardMember(actor: Actor, boardId: string, userId: string, role: Role): Promise<string> {
  const data = await actor.ok<{ addBoardMember: { id: string; role: Role } }>(
    `mutation($boardId: UUID!, $userId: UUID!, $role: BoardRole!) {
       addBoardMember(boardId: $boardId, userId: $userId, role: $role) { id role }
     }`,
    { boardId, userId, role },
  );
  expect(data.addBoardMember.role).toBe(role);
  return data.addBoardMember.id;
}

/** Creates a tag through the API. */
export async function createTag(
  actor: Actor,
  input: { name: string; slug?: string | null; description?: string | null; metadata?: unknown },
): Promise<TagRow> {
  const data = await actor.ok<{ createTag: TagRow }>(
    `mutation($input: CreateTagInput!) { createTag(input: $input) { ${TAG_FIELDS} } }`,
    { input },
  );
  return data.createTag;
}

/** Inserts a generation on a board (generations cannot be created through the API yet). */
export async function addGeneration(
  server: TestServer,
  boardId: string,
  userId: string,
  overrides: Partial<Prisma.GenerationUncheckedCreateInput> = {},
): Promise<Generation> {
  return insertGeneration(server.prisma, await boardRow(server.prisma, boardId), userId, overrides);
}

/** A fixed instant `minutes` after a base date, for deterministic ordering by creation time. */
export function at(minutes: number): Date {
  return new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + minutes * 60_000);
}

/** Tag names of a generation, as the caller sees them. */
export async function generationTagNames(caller: Caller, generationId: string): Promise<string[] | null> {
  const data = await caller.ok<{ generation: { tags: Array<{ name: string }> } | null }>(
    `query($id: UUID!) { generation(id: $id) { tags { name } } }`,
    { id: generationId },
  );
  return data.generation ? data.generation.tags.map((t) => t.name) : null;
}

/** The `extensions.fieldErrors` of the first error of a failed operation. */
export function fieldErrors(result: GqlResult): Array<{ field: string; message: string }> {
  const errors = result.errors?.[0]?.extensions?.fieldErrors;
  expect(Array.isArray(errors), JSON.stringify(result.body)).toBe(true);
  return errors as Array<{ field: string; message: string }>;
}

/** Ids of a list of records. */
export const ids = (rows: ReadonlyArray<{ id: string }>): string[] => rows.map((r) => r.id);


/** A board of a fresh tenant with its owner, a member of each role, and a stranger of the same tenant. */
export type RoleCast = { tenant: TenantHandle; owner: Actor; admin: Actor; editor: Actor; viewer: Actor; stranger: Actor; boardId: string };

export async function boardWithEveryRole(server: TestServer, title: string): Promise<RoleCast> {
  const tenant = await newTenant(server);
  const [owner, admin, editor, viewer, stranger] = [
    await tenant.user("owner"),
    await tenant.user("admin"),
    await tenant.user("editor"),
    await tenant.user("viewer"),
    await tenant.user("stranger"),
  ];
  const boardId = await createBoard(owner, { title });
  await addBoardMember(owner, boardId, admin.id, "ADMIN");
  await addBoardMember(owner, boardId, editor.id, "EDITOR");
  await addBoardMember(owner, boardId, viewer.id, "VIEWER");
  return { tenant, owner, admin, editor, viewer, stranger, boardId };
}
