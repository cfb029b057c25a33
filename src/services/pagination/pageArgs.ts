import { badUserInput } from "../../errors.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Relay and offset pagination arguments, as a connection field receives them. */
export type PageArgs = {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  limit?: number | null;
  offset?: number | null;
};

/** One validated pagination request: exactly one mode. */
export type PageRequest =
  | { mode: "forward"; size: number; after: string | null }
  | { mode: "backward"; size: number; before: string | null }
  | { mode: "offset"; size: number; offset: number };

const given = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

function checkSize(value: number, argument: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(`\`${argument}\` must be between 1 and ${MAX_PAGE_SIZE}, got ${value}`, { argument });
  }
  return value;
}

/**
 * Validates pagination arguments and picks the mode. One mode per request: `first`/`after`,
 * `last`/`before`, or `limit`/`offset`; no arguments means the first 20 items.
 * @throws BAD_USER_INPUT naming the offending argument.
 */
export function parsePageArgs(args: PageArgs): PageRequest {
  const { first, after, last, before, limit, offset } = args;
  if (given(first) && given(last)) {
    throw badUserInput("`first` and `last` cannot be used together", { argument: "last" });
  }
  if (given(after) && given(last)) {
    throw badUserInput("`after` cannot be used with `last`; use `before`", { argument: "after" });
  }
  if (given(before) && given(first)) {
    throw badUserInput("`before` cannot be used with `first`; use `after`", { argument: "before" });
  }
  if (given(after) && given(before)) {
    throw badUserInput("`after` and `before` cannot be used together", { argument: "before" });
  }
  const cursorMode = given(first) || given(after) || given(last) || given(before);
  const offsetMode = given(limit) || given(offset);
  if (cursorMode && offsetMode) {
    const argument = given(limit) ? "limit" : "offset";
    throw badUserInput(`\`${argument}\` cannot be mixed with cursor arguments (first/after/last/before)`, { argument });
  }
  if (offsetMode) {
    const off = offset ?? 0;
    if (!Number.isInteger(off) || off < 0) throw badUserInput(`\`offset\` must be 0 or more, got ${off}`, { argument: "offset" });
    return { mode: "offset", size: checkSize(limit ?? DEFAULT_PAGE_SIZE, "limit"), offset: off };
  }
  if (given(last) || given(before)) {
    return { mode: "backward", size: checkSize(last ?? DEFAULT_PAGE_SIZE, "last"), before: before ?? null };
  }
  return { mode: "forward", size: checkSize(first ?? DEFAULT_PAGE_SIZE, "first"), after: after ?? null };
}

/**
 * Validates `limit`/`offset` of the Boards-compatible plain lists (`myBoards`, `tags`, …), which
 * allow larger pages than connections.
 * @throws BAD_USER_INPUT naming the offending argument.
 */
export function checkListWindow(limit: number | null | undefined, offset: number | null | undefined, fallback: number) {
  const take = limit ?? fallback;
  const skip = offset ?? 0;
  if (!Number.isInteger(take) || take < 0 || take > 1000) {
    throw badUserInput(`\`limit\` must be between 0 and 1000, got ${take}`, { argument: "limit" });
  }
  if (!Number.isInteger(skip) || skip < 0) throw badUserInput(`\`offset\` must be 0 or more, got ${skip}`, { argument: "offset" });
  return { take, skip };
}
