import { describe, expect, it } from "vitest";
import { introspectionOnly } from "./introspectionOnly.js";

describe("introspectionOnly", () => {
  it.each([
    "{ __typename }",
    "query { __typename }",
    "query Q { __schema { queryType { name } } }",
    '{ __type(name: "Board") { fields { name } } __typename }',
    "query A { __typename } query B { __schema { types { name } } }",
  ])("is true for %s", (query) => {
    expect(introspectionOnly({ query })).toBe(true);
  });

  it.each([
    "{ me { id } }",
    "{ __typename me { id } }",
    "{ me { __typename } }",
    "mutation { __typename }",
    "subscription { __typename }",
    "{ __typename } fragment F on Query { me { id } }",
    "{ ...F } fragment F on Query { __typename }",
    "{ __typename",
    `{ __typename ${" ".repeat(9000)}}`,
    "",
  ])("is false for %s", (query) => {
    expect(introspectionOnly({ query })).toBe(false);
  });

  it("is false without a query text", () => {
    expect(introspectionOnly(undefined)).toBe(false);
    expect(introspectionOnly({ query: 42 })).toBe(false);
  });
});
