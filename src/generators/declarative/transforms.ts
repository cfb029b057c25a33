/**
 * Named transforms: the few mappings Boards does in code that the declaration language does not
 * say as data. A declaration refers to one as `{ "transform": "<name>" }`. Keep this list short:
 * each entry is a place where a new model needs code.
 */
import type { Scope } from "./evaluate.js";

export type Transform = (scope: Scope, args: Record<string, unknown>) => unknown;

export const transforms: Record<string, Transform> = {};
