/**
 * What a run costs, in USD, before it runs: `Query.estimateCost`, `GeneratorInfo.estimatedCost`,
 * and the estimate recorded on a generation at submit. A code generator prices its inputs with
 * its own `estimateCost`; a declared one with its declaration's cost formula.
 */
import type { ServiceContext } from "../context.js";
import { badUserInput } from "../errors.js";
import { estimateCost } from "../generators/declarative/estimateCost.js";
import { isDeclared, type AnyGenerator } from "../generators/Generator.js";
import { requireUser } from "./boardAccess.js";
import { checkSubmittedInputs, validateSubmittedInputs } from "./submittedInputs.js";

/** The largest value `generations.estimated_cost` (numeric(12,6)) holds. */
const MAX_RECORDED_COST = 999_999.999999;

/**
 * The cost of one run with these validated inputs (artifact inputs as artifact objects), in
 * millionths of a dollar as `generations.estimated_cost` records it, so that an estimate and the
 * cost recorded for the same inputs are the same number.
 * @throws whatever the formula throws, or an Error when it gives no finite, non-negative number
 */
async function costOf(generator: AnyGenerator, inputs: Record<string, unknown>): Promise<number> {
  const cost = isDeclared(generator) ? estimateCost(generator.declaration, inputs) : await generator.estimateCost(inputs);
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0) {
    throw new Error(`Generator '${generator.name}' estimated a cost that is not a price: ${String(cost)}`);
  }
  return Math.round(cost * 1e6) / 1e6;
}

/**
 * `estimateCost(generatorName, inputParams)`: the estimated USD cost of one run. Missing artifact
 * inputs are treated as absent (a client asks for a price before picking an image); artifact ids
 * that are given must be completed generations the viewer can read.
 * @throws UNAUTHENTICATED; BAD_USER_INPUT (unknown generator, or invalid `inputParams` with one
 *   `fieldErrors` entry per problem); an internal error when the generator's formula fails.
 */
export async function estimateGenerationCost(ctx: ServiceContext, generatorName: string, inputParams: unknown): Promise<number> {
  requireUser(ctx, "Authentication required to estimate a generation's cost");
  const generator = ctx.generators.get(generatorName);
  if (!generator) {
    throw badUserInput(`Unknown generator: ${generatorName}`, { argument: "generatorName", fieldErrors: [{ field: "generatorName", message: "unknown generator" }] });
  }
  const prepared = await validateSubmittedInputs(ctx, generator, inputParams, { argument: "inputParams", artifactsOptional: true });
  return costOf(generator, prepared.inputs);
}

/**
 * `GeneratorInfo.estimatedCost(inputParams)`: as {@link estimateGenerationCost}, but null when the
 * inputs are not valid enough to price or the formula fails, so one generator never fails a list.
 */
export async function estimateListedCost(ctx: ServiceContext, generator: AnyGenerator, inputParams: unknown): Promise<number | null> {
  const prepared = await checkSubmittedInputs(ctx, generator, inputParams, { artifactsOptional: true });
  if (!prepared.ok) return null;
  try {
    return await costOf(generator, prepared.value.inputs);
  } catch (error) {
    ctx.logger.warn({ err: error, generator: generator.name }, "cost estimate failed");
    return null;
  }
}

/**
 * The estimate to record on a new generation, for inputs already validated for submission; null
 * (logged) when the formula fails, which must never block a submission.
 */
export async function submittedCost(ctx: Pick<ServiceContext, "logger">, generator: AnyGenerator, inputs: Record<string, unknown>): Promise<number | null> {
  try {
    const cost = await costOf(generator, inputs);
    if (cost > MAX_RECORDED_COST) throw new Error(`Generator '${generator.name}' estimated ${cost}, more than can be recorded`);
    return cost;
  } catch (error) {
    ctx.logger.warn({ err: error, generator: generator.name }, "cost estimate failed; the generation is recorded without one");
    return null;
  }
}
