import { evaluate } from "./evaluate.js";
import type { Expr, GeneratorDeclaration } from "./GeneratorDeclaration.js";

/**
 * Estimated cost in USD of one run with these (validated) inputs, from the declaration's cost
 * formula; 0 where the declaration has none.
 */
export function estimateCost(decl: GeneratorDeclaration, inputs: Record<string, unknown>): number {
  return costFromFormula(decl.cost, inputs);
}

/** A cost formula (a number, or an expression over the inputs) applied to validated inputs; 0 when it gives no number. */
export function costFromFormula(formula: Expr, inputs: Record<string, unknown>): number {
  const value = evaluate(formula, { inputs, urls: {} });
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
