/**
 * Submitting generations: `createGeneration` and `retryGeneration` (alias `regenerate`).
 * Everything a client can get wrong is checked before anything is written; the generation row
 * and its job are then inserted in one atomic statement.
 */
import { z } from "zod";
import { canEditGenerations } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { badUserInput, forbidden, notFound } from "../errors.js";
import type { ArtifactType, Generation } from "../generated/prisma/client.js";
import { jsonObject, parseInput } from "../lib/validate.js";
import { generationsSubmitted } from "../metrics/metrics.js";
import { boardForMutation, requireUser } from "./boardAccess.js";
import { canReadGeneration } from "./generations.js";
import { prepareGenerationInputs } from "./generationInputs.js";
import { insertGenerationWithJob } from "./insertGeneration.js";

export type CreateGenerationArgs = {
  boardId: string;
  generatorName: string;
  artifactType: ArtifactType;
  inputParams: unknown;
  metadata?: unknown;
};

const MAX_PARAMS_BYTES = 256 * 1024;

const MetadataSchema = z.object({ metadata: jsonObject.nullish() });

/** Input generations the viewer may use: same tenant and on a board the viewer can read. */
async function visibleInputs(ctx: ServiceContext, ids: string[]): Promise<Generation[]> {
  const rows = (await ctx.loaders.generationById.loadMany(ids)).filter((r): r is Generation => r !== null && !(r instanceof Error));
  const visible = await Promise.all(rows.map(async (r) => ((await canReadGeneration(ctx, r)) ? r : null)));
  return visible.filter((r): r is Generation => r !== null);
}

/**
 * Creates a generation and queues it (board owner, admin or editor).
 * @throws UNAUTHENTICATED; NOT_FOUND (board); FORBIDDEN; BAD_USER_INPUT (unknown generator,
 *   artifact type mismatch, invalid `inputParams` with one `fieldErrors` entry per problem).
 */
export async function createGeneration(ctx: ServiceContext, args: CreateGenerationArgs): Promise<Generation> {
  const user = requireUser(ctx, "Authentication required to create a generation");
  const { board, access } = await boardForMutation(ctx, args.boardId);
  if (!canEditGenerations(access)) throw forbidden("Permission denied: only board owner or editor can create generations");

  const generator = ctx.generators.get(args.generatorName);
  if (!generator) throw badUserInput(`Unknown generator: ${args.generatorName}`, { argument: "input", fieldErrors: [{ field: "generatorName", message: "unknown generator" }] });
  if (generator.artifactType.toUpperCase() !== args.artifactType) {
    throw badUserInput(
      `Generator '${generator.name}' produces ${generator.artifactType}, not ${args.artifactType.toLowerCase()}`,
      { argument: "input", fieldErrors: [{ field: "artifactType", message: `must be ${generator.artifactType.toUpperCase()} for this generator` }] },
    );
  }
  const { metadata } = parseInput(MetadataSchema, { metadata: args.metadata });
  if (Buffer.byteLength(JSON.stringify(args.inputParams ?? null)) > MAX_PARAMS_BYTES) {
    throw badUserInput(`Invalid input: inputParams exceeds ${MAX_PARAMS_BYTES / 1024} KiB`, {
      argument: "input",
      fieldErrors: [{ field: "inputParams", message: "too large" }],
    });
  }
  const prepared = await prepareGenerationInputs(generator, args.inputParams, (ids) => visibleInputs(ctx, ids));
  if (!prepared.ok) {
    const summary = prepared.fieldErrors.map((e) => `${e.field}: ${e.message}`).join("; ");
    throw badUserInput(`Invalid input parameters: ${summary}`, {
      argument: "input",
      fieldErrors: prepared.fieldErrors.map((e) => ({ ...e, field: e.field === "inputParams" ? e.field : `inputParams.${e.field}` })),
    });
  }

  const generation = await insertGenerationWithJob(ctx, {
    tenantId: board.tenantId,
    boardId: board.id,
    userId: user.id,
    generatorName: generator.name,
    artifactType: args.artifactType,
    inputParams: prepared.value.storedParams,
    inputArtifacts: prepared.value.lineage,
    metadata: metadata ?? {},
  });
  generationsSubmitted.inc({ generator: generator.name });
  await ctx.events.publish(generation, "queued", "Queued");
  return generation;
}

/**
 * Runs a generation again with the original's inputs, as a new generation on the same board
 * (the original is kept). Inputs are validated anew: the generator or an input may be gone.
 * @throws UNAUTHENTICATED; NOT_FOUND; FORBIDDEN; BAD_USER_INPUT.
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
