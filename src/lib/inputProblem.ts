/**
 * Limits on values a client sends (GraphQL variables and literals, JSON scalars, token claims)
 * that PostgreSQL or Prisma would otherwise reject deep inside a write, as an internal error:
 * NUL characters (not storable in text or jsonb), lone UTF-16 surrogates (not valid Unicode,
 * refused by jsonb and by Prisma's query encoding) and deep nesting (Prisma's JSON encoder stops
 * at 128 levels; the walk itself must not exhaust the stack either).
 */

/** How deep a JSON value (JSON scalar, token claims) may nest: `{"a":{"b":1}}` is 2 levels. */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type InputProblem = "nul" | "surrogate" | "depth";

/** What is wrong with one string, if anything. */
export function textProblem(text: string): InputProblem | null {
  if (text.includes("\u0000")) return "nul";
  if (LONE_SURROGATE.test(text)) return "surrogate";
  return null;
}

/**
 * The first problem in a JSON-like value (strings and object keys at any depth, and nesting
 * beyond `maxDepth`), or null. Iterative, so hostile nesting cannot overflow the stack.
 */
export function inputProblem(value: unknown, maxDepth: number = MAX_JSON_DEPTH): InputProblem | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === "string") {
      const problem = textProblem(current);
      if (problem) return problem;
    } else if (current !== null && typeof current === "object") {
      if (depth >= maxDepth) return "depth";
      if (Array.isArray(current)) {
        for (const item of current) stack.push([item, depth + 1]);
      } else {
        for (const [key, item] of Object.entries(current)) {
          const problem = textProblem(key);
          if (problem) return problem;
          stack.push([item, depth + 1]);
        }
      }
    }
  }
  return null;
}

/** The client-facing sentence for a problem; `depthLimit` is the limit that was applied. */
export function describeInputProblem(problem: InputProblem, depthLimit: number = MAX_JSON_DEPTH): string {
  switch (problem) {
    case "nul":
      return "Text must not contain NUL (U+0000) characters";
    case "surrogate":
      return "Text must be well-formed Unicode (no lone surrogate code points)";
    case "depth":
      return `Input values may nest at most ${depthLimit} levels deep`;
  }
}
