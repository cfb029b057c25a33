import { artifactFields } from "./artifactFields.js";
import type { Arg, Cond, Expr, GeneratorDeclaration } from "./GeneratorDeclaration.js";
import { transforms } from "./transforms.js";

type Refs = { inputs: Set<string>; artifacts: Set<string>; transforms: Set<string> };

function walkExpr(expr: Expr | Arg, refs: Refs): void {
  if (typeof expr === "string") {
    refs.inputs.add(expr);
    return;
  }
  if (expr === null || typeof expr !== "object") return;
  const e = expr as Record<string, unknown>;
  if (e.when) walkCond(e.when as Cond, refs);
  if ("input" in e) refs.inputs.add(e.input as string);
  if ("url" in e) refs.artifacts.add(e.url as string);
  if ("urls" in e) refs.artifacts.add(e.urls as string);
  if ("object" in e) for (const arg of Object.values(e.object as Record<string, Arg>)) walkExpr(arg, refs);
  if ("compact" in e) walkExpr(e.compact as Expr, refs);
  if ("map" in e) walkExpr(e.map as Expr, refs);
  if ("map" in e && e.default !== undefined) walkExpr(e.default as Expr, refs);
  if ("template" in e) for (const m of (e.template as string).matchAll(/\{([\w.]+)\}/g)) refs.inputs.add(m[1]!);
  if ("if" in e) {
    walkCond(e.if as Cond, refs);
    walkExpr(e.then as Expr, refs);
    if (e.else !== undefined) walkExpr(e.else as Expr, refs);
  }
  if ("transform" in e) refs.transforms.add(e.transform as string);
  for (const key of ["add", "mul", "sub", "div", "min", "max", "first"]) if (Array.isArray(e[key])) for (const x of e[key] as Expr[]) walkExpr(x, refs);
  if ("len" in e) walkExpr(e.len as Expr, refs);
  if ("number" in e) walkExpr(e.number as Expr, refs);
  if ("floor" in e) walkExpr(e.floor as Expr, refs);
}

function walkCond(cond: Cond, refs: Refs): void {
  const c = cond as Record<string, unknown>;
  if ("present" in c) refs.inputs.add(c.present as string);
  if ("truthy" in c) walkExpr(c.truthy as Expr, refs);
  for (const key of ["eq", "gt", "gte", "lt", "lte"]) if (Array.isArray(c[key])) for (const x of c[key] as Expr[]) walkExpr(x, refs);
  if ("in" in c) walkExpr((c.in as [Expr, unknown[]])[0], refs);
  if ("not" in c) walkCond(c.not as Cond, refs);
  for (const key of ["and", "or"]) if (Array.isArray(c[key])) for (const x of c[key] as Cond[]) walkCond(x, refs);
}

/**
 * What a declaration refers to that does not exist: input paths whose first segment is not an
 * input field, artifact URLs of fields that take no artifacts, unknown transforms. Found when the
 * declaration is loaded, not when a user first runs it.
 * @returns one message per problem (empty when none)
 */
export function checkReferences(decl: GeneratorDeclaration): string[] {
  const refs: Refs = { inputs: new Set(), artifacts: new Set(), transforms: new Set() };
  for (const arg of Object.values(decl.args)) walkExpr(arg, refs);
  walkExpr(decl.cost, refs);
  for (const check of decl.checks ?? []) walkCond(check.failIf, refs);
  for (const when of ("modelWhen" in decl.endpoint ? decl.endpoint.modelWhen : undefined) ?? []) walkCond(when.when, refs);
  const o = decl.outputs;
  for (const e of [o.width, o.height, o.durationSeconds, o.contentType, o.format]) if (e !== undefined) walkExpr(e, refs);

  const fields = new Set(Object.keys((decl.inputSchema.properties ?? {}) as Record<string, unknown>));
  const artifacts = new Set(artifactFields(decl.inputSchema).map((a) => a.field));
  const problems: string[] = [];
  for (const path of refs.inputs) if (!fields.has(path.split(".")[0]!)) problems.push(`unknown input '${path}'`);
  for (const field of refs.artifacts) if (!artifacts.has(field)) problems.push(`'${field}' is not an artifact input`);
  for (const name of refs.transforms) if (!transforms[name]) problems.push(`unknown transform '${name}'`);
  return problems;
}
