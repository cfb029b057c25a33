import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, checkListWindow, parsePageArgs, type PageArgs } from "./pageArgs.js";

/** The GraphQLError `fn` throws. */
function thrown(fn: () => unknown): GraphQLError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a GraphQLError to be thrown").toBeInstanceOf(GraphQLError);
  return caught as GraphQLError;
}

function expectBadInput(args: PageArgs, argument: string | string[]) {
  const error = thrown(() => parsePageArgs(args));
  expect(error.extensions.code).toBe("BAD_USER_INPUT");
  expect(Array.isArray(argument) ? argument : [argument]).toContain(error.extensions.argument);
  return error;
}

describe("parsePageArgs", () => {
  it("uses page sizes 1–100, 20 by default", () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(MAX_PAGE_SIZE).toBe(100);
  });

  it.each<{ args: PageArgs; expected: ReturnType<typeof parsePageArgs> }>([
    { args: {}, expected: { mode: "forward", size: 20, after: null } },
    { args: { first: 5 }, expected: { mode: "forward", size: 5, after: null } },
    { args: { after: "c" }, expected: { mode: "forward", size: 20, after: "c" } },
    { args: { first: 7, after: "c" }, expected: { mode: "forward", size: 7, after: "c" } },
    { args: { last: 5 }, expected: { mode: "backward", size: 5, before: null } },
    { args: { before: "c" }, expected: { mode: "backward", size: 20, before: "c" } },
    { args: { last: 3, before: "c" }, expected: { mode: "backward", size: 3, before: "c" } },
    { args: { limit: 5 }, expected: { mode: "offset", size: 5, offset: 0 } },
    { args: { offset: 7 }, expected: { mode: "offset", size: 20, offset: 7 } },
    { args: { limit: 5, offset: 10 }, expected: { mode: "offset", size: 5, offset: 10 } },
    { args: { limit: 5, offset: 0 }, expected: { mode: "offset", size: 5, offset: 0 } },
    { args: { first: 1 }, expected: { mode: "forward", size: 1, after: null } },
    { args: { first: 100 }, expected: { mode: "forward", size: 100, after: null } },
    { args: { last: 1 }, expected: { mode: "backward", size: 1, before: null } },
    { args: { last: 100 }, expected: { mode: "backward", size: 100, before: null } },
    { args: { limit: 1 }, expected: { mode: "offset", size: 1, offset: 0 } },
    { args: { limit: 100, offset: 1_000_000 }, expected: { mode: "offset", size: 100, offset: 1_000_000 } },
    // null is the same as absent
    { args: { first: null, after: null, last: null, before: null, limit: null, offset: null }, expected: { mode: "forward", size: 20, after: null } },
    { args: { first: null, last: 4, after: null, before: "c", limit: null, offset: null }, expected: { mode: "backward", size: 4, before: "c" } },
    { args: { first: null, after: null, limit: 9, offset: null }, expected: { mode: "offset", size: 9, offset: 0 } },
  ])("$args → $expected.mode", ({ args, expected }) => {
    expect(parsePageArgs(args)).toEqual(expected);
  });

  it.each<{ name: string; args: PageArgs; argument: string | string[] }>([
    { name: "first and last", args: { first: 5, last: 5 }, argument: ["first", "last"] },
    { name: "after with last", args: { after: "c", last: 5 }, argument: ["after", "last"] },
    { name: "before with first", args: { before: "c", first: 5 }, argument: ["before", "first"] },
    { name: "after and before", args: { after: "c", before: "d" }, argument: ["after", "before"] },
    { name: "first: 0", args: { first: 0 }, argument: "first" },
    { name: "first: 101", args: { first: 101 }, argument: "first" },
    { name: "first: -1", args: { first: -1 }, argument: "first" },
    { name: "first: 2.5", args: { first: 2.5 }, argument: "first" },
    { name: "first: 0 with after", args: { first: 0, after: "c" }, argument: "first" },
    { name: "last: 0", args: { last: 0 }, argument: "last" },
    { name: "last: 101", args: { last: 101 }, argument: "last" },
    { name: "last: -3 with before", args: { last: -3, before: "c" }, argument: "last" },
    { name: "limit: 0", args: { limit: 0 }, argument: "limit" },
    { name: "limit: 101", args: { limit: 101 }, argument: "limit" },
    { name: "limit: -1", args: { limit: -1, offset: 0 }, argument: "limit" },
    { name: "offset: -1", args: { offset: -1 }, argument: "offset" },
    { name: "offset: -1 with limit", args: { limit: 10, offset: -1 }, argument: "offset" },
    { name: "offset: 1.5", args: { offset: 1.5 }, argument: "offset" },
    { name: "first with limit", args: { first: 5, limit: 5 }, argument: ["first", "limit"] },
    { name: "first with offset", args: { first: 5, offset: 0 }, argument: ["first", "offset"] },
    { name: "after with limit", args: { after: "c", limit: 5 }, argument: ["after", "limit"] },
    { name: "after with offset", args: { after: "c", offset: 5 }, argument: ["after", "offset"] },
    { name: "last with limit", args: { last: 5, limit: 5 }, argument: ["last", "limit"] },
    { name: "before with offset", args: { before: "c", offset: 5 }, argument: ["before", "offset"] },
  ])("refuses $name", ({ args, argument }) => {
    const error = expectBadInput(args, argument);
    expect(error.message.length).toBeGreaterThan(0);
  });
});

describe("checkListWindow", () => {
  it("defaults to the fallback size and offset 0", () => {
    expect(checkListWindow(undefined, undefined, 50)).toEqual({ take: 50, skip: 0 });
    expect(checkListWindow(null, null, 100)).toEqual({ take: 100, skip: 0 });
    expect(checkListWindow(0, 3, 50)).toEqual({ take: 0, skip: 3 });
    expect(checkListWindow(1000, 0, 50)).toEqual({ take: 1000, skip: 0 });
  });

  it("refuses limits outside 0–1000 and negative offsets", () => {
    for (const [limit, offset, argument] of [
      [1001, 0, "limit"],
      [-1, 0, "limit"],
      [10, -1, "offset"],
    ] as const) {
      const error = thrown(() => checkListWindow(limit, offset, 50));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument });
    }
  });
});
