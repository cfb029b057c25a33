/**
 * Inserts a generation and queues its job in ONE statement (a data-modifying CTE whose SELECT
 * calls graphile_worker.add_job for the inserted row). If queueing fails, the insert is undone
 * with it: there is no moment at which the row exists without its job. With credits on, the same
 * statement reserves the estimate on the paying account (a conditional UPDATE whose row lock
 * serializes concurrent submissions) and appends the reserve transaction; when the account cannot
 * cover it nothing is inserted at all.
 */
import { randomUUID } from "node:crypto";
import type { SharedDeps } from "../context.js";
import { Prisma, type ArtifactType, type Generation } from "../generated/prisma/client.js";
import { reserveCte, reserveLedgerCte } from "./credits/creditReservations.js";

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
  /** Credits to reserve on the holder's account (credits on and a cost above zero). */
  reserve?: { holder: string; amount: number };
};

/** The paying account cannot cover the reservation: nothing was inserted. */
export class ReservationRefused extends Error {}

const json = (value: unknown) => Prisma.sql`${JSON.stringify(value ?? {})}::jsonb`;

export async function insertGenerationWithJob(deps: Pick<SharedDeps, "prisma" | "jobs">, g: NewGeneration): Promise<Generation> {
  const id = randomUUID();
  const columns = Prisma.sql`id, tenant_id, board_id, user_id, generator_name, artifact_type, input_params, input_artifacts, metadata, estimated_cost`;
  const values = Prisma.sql`${id}::uuid, ${g.tenantId}::uuid, ${g.boardId}::uuid, ${g.userId}::uuid, ${g.generatorName},
              ${g.artifactType.toLowerCase()}::artifact_type, ${json(g.inputParams)}, ${json(g.inputArtifacts)},
              ${json(g.metadata)}, ${g.estimatedCost ?? null}::numeric`;
  if (!g.reserve) {
    await deps.prisma.$executeRaw(Prisma.sql`
      WITH inserted AS (
        INSERT INTO generations (${columns}, updated_at) VALUES (${values}, now())
        RETURNING id
      )
      SELECT ${deps.jobs.enqueueGenerationSql(Prisma.sql`inserted.id`)} FROM inserted`);
    return deps.prisma.generation.findUniqueOrThrow({ where: { id } });
  }
  const { holder, amount } = g.reserve;
  await deps.prisma.$executeRaw(Prisma.sql`
    WITH ${reserveCte(g.tenantId, holder, amount)},
    inserted AS (
      INSERT INTO generations (${columns}, credit_account_id, credits_reserved, updated_at)
      SELECT ${values}, account.id, ${amount}::numeric, now() FROM account
      RETURNING id, generator_name
    ),
    ${reserveLedgerCte(g.tenantId, g.userId, amount)}
    SELECT ${deps.jobs.enqueueGenerationSql(Prisma.sql`inserted.id`)} FROM inserted`);
  const row = await deps.prisma.generation.findUnique({ where: { id } });
  if (!row) throw new ReservationRefused(`The account cannot cover ${amount}`);
  return row;
}
