/**
 * Evaluates the declaration expression language (see {@link Expr}) against validated inputs,
 * the provider URLs of artifact inputs, and (in output mappings) one result item. Pure: no I/O.
 */
import type { Arg, Cond, Expr } from "./GeneratorDeclaration.js";
import { transforms } from "./transforms.js";

/** What an expression can see. */
export type Scope = {
  inputs: Record<string, unknown>;
  /** Provider-reachable URLs of artifact inputs, by field: one URL, or a list for list fields. */
  urls: Record<string, string | string[]>;
  item?: unknown;
};

/** A declaration that cannot be evaluated (an unknown transform, a missing artifact URL…). */
export class DeclarationError extends Error {}

/** Reads `a.b.c` (array indexes allowed as segments) from a value. */
export function readPath(value: unknown, path: string): unknown {
  if (path === "." || path === "") return value;
  let current = value;
  for (const segment of path.split(".")) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Python's truthiness as Boards' code meets it: null, false, 0, "" and empty lists are false;
 * objects are Pydantic models there, which are always true.
 */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

function num(value: unknown, what: string): number {
  const n = typeof value === "string" ? Number.parseFloat(value) : value;
  if (typeof n !== "number" || Number.isNaN(n)) throw new DeclarationError(`${what}: not a number (${JSON.stringify(value)})`);
  return n;
}

function firstUrl(scope: Scope, field: string): string {
  const url = scope.urls[field];
  const single = Array.isArray(url) ? url[0] : url;
  if (single === undefined) throw new DeclarationError(`no provider URL for artifact input '${field}'`);
  return single;
}

/** The value of an expression. */
export function evaluate(expr: Expr, scope: Scope): unknown {
  if (typeof expr === "string") return readPath(scope.inputs, expr);
  if (expr === null || typeof expr !== "object") return expr;
  // Copies, so that a caller changing a request body cannot change the declaration.
  if ("const" in expr) return structuredClone(expr.const);
  if ("input" in expr) {
    const value = readPath(scope.inputs, expr.input);
    return (value === null || value === undefined) && expr.default !== undefined ? expr.default : value;
  }
  if ("url" in expr) return firstUrl(scope, expr.url);
  if ("urls" in expr) {
    const urls = scope.urls[expr.urls];
    if (urls === undefined) throw new DeclarationError(`no provider URLs for artifact input '${expr.urls}'`);
    return Array.isArray(urls) ? urls : [urls];
  }
  if ("object" in expr) return buildArgs(expr.object, scope);
  if ("compact" in expr) {
    const value = evaluate(expr.compact, scope);
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
  }
  if ("map" in expr) {
    const key = evaluate(expr.map, scope);
    const hit = Object.hasOwn(expr.table, String(key)) ? expr.table[String(key)] : undefined;
    if (hit !== undefined) return structuredClone(hit);
    return expr.default === undefined ? undefined : evaluate(expr.default, scope);
  }
  if ("template" in expr) return expr.template.replace(/\{([\w.]+)\}/g, (_, path: string) => String(readPath(scope.inputs, path) ?? ""));
  if ("if" in expr) return test(expr.if, scope) ? evaluate(expr.then, scope) : expr.else === undefined ? undefined : evaluate(expr.else, scope);
  if ("first" in expr) {
    for (const e of expr.first) {
      const value = evaluate(e, scope);
      if (value !== null && value !== undefined) return value;
    }
    return undefined;
  }
  if ("transform" in expr) {
    const fn = transforms[expr.transform];
    if (!fn) throw new DeclarationError(`unknown transform '${expr.transform}'`);
    return fn(scope, expr.args ?? {});
  }
  if ("item" in expr) return readPath(scope.item, expr.item) ?? expr.default;
  if ("add" in expr) return expr.add.reduce<number>((sum, e) => sum + num(evaluate(e, scope), "add"), 0);
  if ("mul" in expr) return expr.mul.reduce<number>((product, e) => product * num(evaluate(e, scope), "mul"), 1);
  if ("sub" in expr) return num(evaluate(expr.sub[0], scope), "sub") - num(evaluate(expr.sub[1], scope), "sub");
  if ("div" in expr) return num(evaluate(expr.div[0], scope), "div") / num(evaluate(expr.div[1], scope), "div");
  if ("min" in expr) return Math.min(...expr.min.map((e) => num(evaluate(e, scope), "min")));
  if ("max" in expr) return Math.max(...expr.max.map((e) => num(evaluate(e, scope), "max")));
  if ("len" in expr) {
    const value = evaluate(expr.len, scope);
    return typeof value === "string" || Array.isArray(value) ? value.length : 0;
  }
  if ("number" in expr) return num(evaluate(expr.number, scope), "number");
  if ("floor" in expr) return Math.floor(num(evaluate(expr.floor, scope), "floor"));
  throw new DeclarationError(`unknown expression ${JSON.stringify(expr).slice(0, 80)}`);
}

/** Whether a condition holds. */
export function test(cond: Cond, scope: Scope): boolean {
  if ("present" in cond) {
    const value = readPath(scope.inputs, cond.present);
    return value !== null && value !== undefined;
  }
  if ("truthy" in cond) return truthy(evaluate(cond.truthy, scope));
  if ("eq" in cond) return evaluate(cond.eq[0], scope) === evaluate(cond.eq[1], scope);
  if ("in" in cond) return cond.in[1].includes(evaluate(cond.in[0], scope));
  if ("gt" in cond) return num(evaluate(cond.gt[0], scope), "gt") > num(evaluate(cond.gt[1], scope), "gt");
  if ("gte" in cond) return num(evaluate(cond.gte[0], scope), "gte") >= num(evaluate(cond.gte[1], scope), "gte");
  if ("lt" in cond) return num(evaluate(cond.lt[0], scope), "lt") < num(evaluate(cond.lt[1], scope), "lt");
  if ("lte" in cond) return num(evaluate(cond.lte[0], scope), "lte") <= num(evaluate(cond.lte[1], scope), "lte");
  if ("not" in cond) return !test(cond.not, scope);
  if ("and" in cond) return cond.and.every((c) => test(c, scope));
  if ("or" in cond) return cond.or.some((c) => test(c, scope));
  throw new DeclarationError(`unknown condition ${JSON.stringify(cond).slice(0, 80)}`);
}

/** Builds an argument object: each key's expression, left out per its `when`/`omit`. */
export function buildArgs(args: Record<string, Arg>, scope: Scope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, arg] of Object.entries(args)) {
    if (arg !== null && typeof arg === "object") {
      const { omit, when, ...rest } = arg as Record<string, unknown> & { omit?: "null" | "falsy"; when?: Cond };
      if (when && !test(when, scope)) continue;
      // A guarded artifact whose input is absent has no URL: leave it out before evaluating.
      const artifactField = (rest.url ?? rest.urls) as string | undefined;
      if (omit && artifactField !== undefined && scope.urls[artifactField] === undefined) continue;
      const value = evaluate(rest as Expr, scope);
      if (omit === "null" && (value === null || value === undefined)) continue;
      if (omit === "falsy" && !truthy(value)) continue;
      if (value !== undefined) out[key] = value;
      continue;
    }
    const value = evaluate(arg, scope);
    // Python sends None as JSON null; an absent input path is left out.
    if (value !== undefined) out[key] = value;
  }
  return out;
}
