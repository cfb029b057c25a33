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
import { GENERATION_COLUMNS } from "./generationRows.js";
import { queryRows } from "../queryRows.js";

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
  // The row as inserted, so the caller answers with the state it created (PENDING) even when a
  // worker has already started the job by the time the answer is written.
  const insertedRow = async (sql: Prisma.Sql): Promise<Generation | undefined> => {
    const rows = await queryRows<Generation & { queued_job?: unknown }>(deps.prisma, sql);
    if (!rows[0]) return undefined;
    const { queued_job: _, ...row } = rows[0];
    return row;
  };
  const enqueue = deps.jobs.enqueueGenerationSql(Prisma.sql`inserted.id`);
  if (!g.reserve) {
    const row = await insertedRow(Prisma.sql`
      WITH inserted AS (
        INSERT INTO generations (${columns}, updated_at) VALUES (${values}, now())
        RETURNING *
      )
      SELECT ${GENERATION_COLUMNS}, ${enqueue} AS queued_job FROM inserted`);
    if (!row) throw new Error(`generation ${id} was not inserted`);
    return row;
  }
  const { holder, amount } = g.reserve;
  const row = await insertedRow(Prisma.sql`
    WITH ${reserveCte(g.tenantId, holder, amount)},
    inserted AS (
      INSERT INTO generations (${columns}, credit_account_id, credits_reserved, updated_at)
      SELECT ${values}, account.id, ${amount}::numeric, now() FROM account
      RETURNING *
    ),
    ${reserveLedgerCte(g.tenantId, g.userId, amount)}
    SELECT ${GENERATION_COLUMNS}, ${enqueue} AS queued_job FROM inserted`);
  if (!row) throw new ReservationRefused(`The account cannot cover ${amount}`);
  return row;
}
