/**
 * Inserts a generation and queues its job in ONE statement (a data-modifying CTE whose SELECT
 * calls graphile_worker.add_job for the inserted row). If queueing fails, the insert is undone
 * with it: there is no moment at which the row exists without its job. The same statement
 * checks that the caller may create generations on the board (the policy's SQL form), so a
 * submission is one statement after the viewer lookup. With credits on, it also reserves the
 * estimate on the paying account (a conditional UPDATE whose row lock serializes concurrent
 * submissions) and appends the reserve transaction; when the board check or the account refuses,
 * nothing at all is written.
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

/**
 * What the statement did: the generation as inserted, or why nothing was: the board check
 * failed (`board`: missing, of another tenant, or not editable by the caller) or the account
 * could not cover the reservation (`credits`).
 */
export type InsertOutcome = { generation: Generation } | { refused: "board" | "credits" };

const json = (value: unknown) => Prisma.sql`${JSON.stringify(value ?? {})}::jsonb`;

type Row = Partial<Generation> & { editable: boolean; queued_job?: unknown };

/**
 * Inserts `g` and queues its job if the board `g.boardId` satisfies `mayEdit` (a condition on
 * the board row `b`, see editsGenerationsSql) and, with a reservation, the account covers it.
 */
export async function insertGenerationWithJob(deps: Pick<SharedDeps, "prisma" | "jobs">, g: NewGeneration, mayEdit: Prisma.Sql): Promise<InsertOutcome> {
  const id = randomUUID();
  const columns = Prisma.sql`id, tenant_id, board_id, user_id, generator_name, artifact_type, input_params, input_artifacts, metadata, estimated_cost`;
  const values = Prisma.sql`${id}::uuid, ${g.tenantId}::uuid, ${g.boardId}::uuid, ${g.userId}::uuid, ${g.generatorName},
              ${g.artifactType.toLowerCase()}::artifact_type, ${json(g.inputParams)}, ${json(g.inputArtifacts)},
              ${json(g.metadata)}, ${g.estimatedCost ?? null}::numeric`;
  const board = Prisma.sql`board AS (SELECT b.id FROM boards b WHERE b.id = ${g.boardId}::uuid AND ${mayEdit})`;
  const enqueue = deps.jobs.enqueueGenerationSql(Prisma.sql`inserted.id`);
  const credits = g.reserve ? reserveCte(g.tenantId, g.reserve.holder, g.reserve.amount, Prisma.sql`EXISTS (SELECT 1 FROM board)`) : undefined;
  const insert = g.reserve
    ? Prisma.sql`INSERT INTO generations (${columns}, credit_account_id, credits_reserved, updated_at)
        SELECT ${values}, account.id, ${g.reserve.amount}::numeric, now() FROM board, account`
    : Prisma.sql`INSERT INTO generations (${columns}, updated_at) SELECT ${values}, now() FROM board`;
  // One row whatever happened, so a refusal says which check refused; on success it is the row as
  // inserted, so the caller answers with the state it created (PENDING) even when a worker has
  // already started the job by the time the answer is written. The job is queued only
  // for a row that was inserted (CASE evaluates the branch it takes, only).
  const rows = await queryRows<Row>(deps.prisma, Prisma.sql`
    WITH ${board},
    ${credits ? Prisma.sql`${credits},` : Prisma.empty}
    inserted AS (${insert} RETURNING *)
    ${g.reserve ? Prisma.sql`, ${reserveLedgerCte(g.tenantId, g.userId, g.reserve.amount)}` : Prisma.empty}
    SELECT ${GENERATION_COLUMNS}, EXISTS (SELECT 1 FROM board) AS editable,
           CASE WHEN inserted.id IS NOT NULL THEN ${enqueue} END AS queued_job
    FROM (SELECT 1 AS one) AS one LEFT JOIN inserted ON true`);
  const { editable, queued_job: _, ...row } = rows[0]!;
  if (row.id) return { generation: row as Generation };
  return { refused: editable ? "credits" : "board" };
}
