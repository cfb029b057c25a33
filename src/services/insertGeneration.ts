/**
 * Inserts a generation and queues its job in ONE statement (a data-modifying CTE whose SELECT
 * calls graphile_worker.add_job for the inserted row). If queueing fails, the insert is undone
 * with it: there is no moment at which the row exists without its job.
 */
import { randomUUID } from "node:crypto";
import type { SharedDeps } from "../context.js";
import { Prisma, type ArtifactType, type Generation } from "../generated/prisma/client.js";

export type NewGeneration = {
  tenantId: string;
  boardId: string;
  userId: string;
  generatorName: string;
  artifactType: ArtifactType;
  inputParams: unknown;
  inputArtifacts: unknown[];
  metadata: unknown;
  /** Estimated cost in USD; null when it could not be estimated. */
  estimatedCost?: number | null;
};

const json = (value: unknown) => Prisma.sql`${JSON.stringify(value ?? {})}::jsonb`;

export async function insertGenerationWithJob(deps: Pick<SharedDeps, "prisma" | "jobs">, g: NewGeneration): Promise<Generation> {
  const id = randomUUID();
  await deps.prisma.$executeRaw(Prisma.sql`
    WITH inserted AS (
      INSERT INTO generations (id, tenant_id, board_id, user_id, generator_name, artifact_type,
                               input_params, input_artifacts, metadata, estimated_cost, updated_at)
      VALUES (${id}::uuid, ${g.tenantId}::uuid, ${g.boardId}::uuid, ${g.userId}::uuid, ${g.generatorName},
              ${g.artifactType.toLowerCase()}::artifact_type, ${json(g.inputParams)}, ${json(g.inputArtifacts)},
              ${json(g.metadata)}, ${g.estimatedCost ?? null}::numeric, now())
      RETURNING id
    )
    SELECT ${deps.jobs.enqueueGenerationSql(Prisma.sql`inserted.id`)} FROM inserted`);
  return deps.prisma.generation.findUniqueOrThrow({ where: { id } });
}
