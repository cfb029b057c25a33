/**
 * Generation and board rows read with raw SQL, exactly as Prisma's models return them (camelCase
 * fields, upper-case enums, Decimals, Dates, parsed JSON), for the loaders every request goes
 * through: Prisma's model queries spend about twice as long compiling the query and turning the
 * rows into objects, and queryRows skips Prisma's pipeline altogether. tests/generationRows.test.ts holds them equal, field for field.
 */
import type { PrismaClient } from "../db.js";
import { Prisma, type Board, type Generation } from "../generated/prisma/client.js";
import { queryRows } from "../queryRows.js";

/** Every column of `generations`, named and shaped as the Prisma model's fields (unqualified). */
export const GENERATION_COLUMNS = Prisma.sql`
  id, tenant_id AS "tenantId", board_id AS "boardId", user_id AS "userId", generator_name AS "generatorName",
  upper(artifact_type::text) AS "artifactType", input_params AS "inputParams", metadata, upper(status::text) AS status,
  storage_url AS "storageUrl", storage_key AS "storageKey", storage_provider AS "storageProvider", thumbnail_url AS "thumbnailUrl",
  additional_files AS "additionalFiles", output_metadata AS "outputMetadata", input_artifacts AS "inputArtifacts",
  external_job_id AS "externalJobId", estimated_cost AS "estimatedCost", credit_account_id AS "creditAccountId",
  credits_reserved AS "creditsReserved", progress, error_message AS "errorMessage", started_at AS "startedAt",
  completed_at AS "completedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The generations with these ids (in no particular order; missing ids are left out). */
export function generationsByIds(prisma: PrismaClient, ids: readonly string[]): Promise<Generation[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return queryRows<Generation>(prisma, Prisma.sql`SELECT ${GENERATION_COLUMNS} FROM generations WHERE id = ANY(${[...ids]}::uuid[])`);
}

const BOARD_COLUMNS = Prisma.sql`
  id, tenant_id AS "tenantId", owner_id AS "ownerId", title, description, is_public AS "isPublic", settings, metadata,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The boards with these ids (in no particular order; missing ids are left out). */
export function boardsByIds(prisma: PrismaClient, ids: readonly string[]): Promise<Board[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return queryRows<Board>(prisma, Prisma.sql`SELECT ${BOARD_COLUMNS} FROM boards WHERE id = ANY(${[...ids]}::uuid[])`);
}
