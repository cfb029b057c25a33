/**
 * A client's `inputParams` for a generator, checked as submitting and pricing both need: a size
 * limit, the generator's own validation, and artifact inputs resolved only from generations the
 * viewer may read.
 */
import type { ServiceContext } from "../context.js";
import { badUserInput } from "../errors.js";
import type { Generation } from "../generated/prisma/client.js";
import type { AnyGenerator } from "../generators/Generator.js";
import { canReadGeneration } from "./generations.js";
import { prepareGenerationInputs, type PreparedInputs, type PrepareOptions, type PrepareResult } from "./generationInputs.js";

const MAX_PARAMS_BYTES = 256 * 1024;

/** Input generations the viewer may use: same tenant and on a board the viewer can read. */
async function visibleInputs(ctx: ServiceContext, ids: string[]): Promise<Generation[]> {
  const rows = (await ctx.loaders.generationById.loadMany(ids)).filter((r): r is Generation => r !== null && !(r instanceof Error));
  const visible = await Promise.all(rows.map(async (r) => ((await canReadGeneration(ctx, r)) ? r : null)));
  return visible.filter((r): r is Generation => r !== null);
}

/**
 * Checks `params` for `generator` on behalf of the viewer. Never throws for bad input: problems
 * come back as field errors, keyed by input field name (`inputParams` for the whole object).
 */
export async function checkSubmittedInputs(
  ctx: ServiceContext,
  generator: AnyGenerator,
  params: unknown,
  options: PrepareOptions = {},
): Promise<PrepareResult> {
  if (Buffer.byteLength(JSON.stringify(params ?? null)) > MAX_PARAMS_BYTES) {
    return { ok: false, fieldErrors: [{ field: "inputParams", message: `exceeds ${MAX_PARAMS_BYTES / 1024} KiB` }] };
  }
  return prepareGenerationInputs(generator, params, (ids) => visibleInputs(ctx, ids), options);
}

/**
 * {@link checkSubmittedInputs}, throwing on bad input.
 * @throws BAD_USER_INPUT on `argument`, with one `fieldErrors` entry per problem, each named
 *   `inputParams.<field>` (or `inputParams`).
 */
export async function validateSubmittedInputs(
  ctx: ServiceContext,
  generator: AnyGenerator,
  params: unknown,
  options: PrepareOptions & { argument: string },
): Promise<PreparedInputs> {
  const prepared = await checkSubmittedInputs(ctx, generator, params, options);
  if (prepared.ok) return prepared.value;
  const summary = prepared.fieldErrors.map((e) => `${e.field}: ${e.message}`).join("; ");
  throw badUserInput(`Invalid input parameters: ${summary}`, {
    argument: options.argument,
    fieldErrors: prepared.fieldErrors.map((e) => ({ ...e, field: e.field === "inputParams" ? e.field : `inputParams.${e.field}` })),
  });
}
