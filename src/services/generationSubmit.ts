/**
 * Submitting generations: `createGeneration` and `retryGeneration` (alias `regenerate`).
 * Everything a client can get wrong is checked before anything is written; the board check, the
 * generation row and its job (and a credit reservation) are then one atomic statement.
 */
import { z } from "zod";
import { canEditGenerations, editsGenerationsSql } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { badUserInput, forbidden, insufficientCredits, notFound } from "../errors.js";
import { Prisma, type ArtifactType, type Generation } from "../generated/prisma/client.js";
import { jsonObject, parseInput } from "../lib/validate.js";
import { generationsSubmitted } from "../metrics/metrics.js";
import { boardForMutation, requireUser } from "./boardAccess.js";
import { submittedCost } from "./generationCost.js";
import { canReadGeneration } from "./generations.js";
import { requireConfigured } from "./generators.js";
import { accountFigures, holderFor } from "./credits/creditAccounts.js";
import { insertGenerationWithJob } from "./insertGeneration.js";
import { validateSubmittedInputs } from "./submittedInputs.js";

export type CreateGenerationArgs = {
  boardId: string;
  generatorName: string;
  artifactType: ArtifactType;
  inputParams: unknown;
  metadata?: unknown;
};

const MetadataSchema = z.object({ metadata: jsonObject.nullish() });

/** Everything of a submission that does not depend on the board: checked before anything is written. */
async function prepareSubmission(ctx: ServiceContext, args: CreateGenerationArgs, userId: string) {
  const generator = ctx.generators.get(args.generatorName);
  if (!generator) throw badUserInput(`Unknown generator: ${args.generatorName}`, { argument: "input", fieldErrors: [{ field: "generatorName", message: "unknown generator" }] });
  if (generator.artifactType.toUpperCase() !== args.artifactType) {
    throw badUserInput(
      `Generator '${generator.name}' produces ${generator.artifactType}, not ${args.artifactType.toLowerCase()}`,
      { argument: "input", fieldErrors: [{ field: "artifactType", message: `must be ${generator.artifactType.toUpperCase()} for this generator` }] },
    );
  }
  requireConfigured(generator, ctx.providers);
  const { metadata } = parseInput(MetadataSchema, { metadata: args.metadata });
  const prepared = await validateSubmittedInputs(ctx, generator, args.inputParams, { argument: "input" });
  const estimatedCost = await submittedCost(ctx, generator, prepared.inputs);
  const holder = holderFor(ctx.creditsMode, userId);
  return { generator, metadata, prepared, estimatedCost, reserve: holder && estimatedCost ? { holder, amount: estimatedCost } : undefined };
}

const EDITORS_ONLY = "Permission denied: only board owner or editor can create generations";

/**
 * NOT_FOUND when the caller cannot see the board, FORBIDDEN when they may not create generations
 * on it. Read only when something was refused, so the common case costs no board lookup.
 */
async function requireEditableBoard(ctx: ServiceContext, boardId: string): Promise<void> {
  const { access } = await boardForMutation(ctx, boardId);
  if (!canEditGenerations(access)) throw forbidden(EDITORS_ONLY);
}

/**
 * Creates a generation and queues it (board owner, admin or editor), recording its estimated
 * cost (null when the generator's formula fails) and, with credits on, reserving it. The board
 * check is part of the statement that inserts (see insertGeneration.ts); a refusal is explained
 * afterwards, in the order a client expects: the board's errors before its own input's.
 * @throws UNAUTHENTICATED; NOT_FOUND (board); FORBIDDEN; BAD_USER_INPUT (unknown generator,
 *   artifact type mismatch, invalid `inputParams` with one `fieldErrors` entry per problem);
 *   FAILED_PRECONDITION (a provider generator whose provider has no key); INSUFFICIENT_CREDITS
 *   (credits on and the paying account cannot cover the estimate; nothing is written).
 */
export async function createGeneration(ctx: ServiceContext, args: CreateGenerationArgs): Promise<Generation> {
  const user = requireUser(ctx, "Authentication required to create a generation");
  const { tenantId } = user;
  const submission = await prepareSubmission(ctx, args, user.id).catch(async (error: unknown) => {
    // A caller who may not use the board learns that, not what is wrong with their input.
    await requireEditableBoard(ctx, args.boardId);
    throw error;
  });
  const { generator, metadata, prepared, estimatedCost, reserve } = submission;

  const outcome = await insertGenerationWithJob(
    ctx,
    {
      tenantId,
      boardId: args.boardId,
      userId: user.id,
      generatorName: generator.name,
      artifactType: args.artifactType,
      inputParams: prepared.storedParams,
      inputArtifacts: prepared.lineage,
      metadata: metadata ?? {},
      estimatedCost,
      reserve,
    },
    editsGenerationsSql(ctx.viewer, Prisma.sql`b`),
  );
  if ("refused" in outcome) {
    if (outcome.refused === "board" || !reserve) {
      await requireEditableBoard(ctx, args.boardId);
      // The board grants the right by now, but the statement did not see it (it changed in between).
      throw forbidden(EDITORS_ONLY);
    }
    const { available } = await accountFigures(ctx.prisma, tenantId, reserve.holder);
    throw insufficientCredits(`Cannot submit: insufficient credits (this generation is estimated at ${reserve.amount} credits; ${available} available)`, {
      required: reserve.amount,
      available,
    });
  }
  const { generation } = outcome;
  generationsSubmitted.inc({ generator: generator.name });
  await ctx.events.publish(generation, "queued", "Queued");
  if (reserve) {
    await ctx.events.publishCreditChange({ tenantId, holder: reserve.holder, type: "RESERVE", amount: -reserve.amount, generationId: generation.id });
  }
  return generation;
}

/**
 * Runs a generation again with the original's inputs, as a new generation on the same board
 * (the original is kept). Inputs are validated and priced anew: the generator or an input may be gone.
 * @throws UNAUTHENTICATED; NOT_FOUND; FORBIDDEN; BAD_USER_INPUT; FAILED_PRECONDITION (as createGeneration).
 */
export async function retryGeneration(ctx: ServiceContext, id: string): Promise<Generation> {
  requireUser(ctx, "Authentication required to retry a generation");
  const original = await ctx.loaders.generationById.load(id);
  if (!original || !(await canReadGeneration(ctx, original))) throw notFound("Original generation not found");
  if (!ctx.generators.get(original.generatorName)) {
    throw badUserInput(`Generator '${original.generatorName}' is no longer available`, { argument: "id" });
  }
  return createGeneration(ctx, {
    boardId: original.boardId,
    generatorName: original.generatorName,
    artifactType: original.artifactType,
    inputParams: original.inputParams,
    metadata: original.metadata,
  });
}
