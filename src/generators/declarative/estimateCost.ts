import { evaluate } from "./evaluate.js";
import type { GeneratorDeclaration } from "./GeneratorDeclaration.js";

/**
 * Estimated cost in USD of one run with these (validated) inputs, from the declaration's cost
 * formula; 0 where the declaration has none.
 */
export function estimateCost(decl: GeneratorDeclaration, inputs: Record<string, unknown>): number {
  const value = evaluate(decl.cost, { inputs, urls: {} });
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
