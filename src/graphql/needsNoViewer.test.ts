import { describe, expect, it } from "vitest";
import { needsNoViewer } from "./needsNoViewer.js";

describe("needsNoViewer", () => {
  it.each([
    "{ __typename }",
    "query { __typename }",
    "query Q { __schema { queryType { name } } }",
    '{ __type(name: "Board") { fields { name } } __typename }',
    "query A { __typename } query B { __schema { types { name } } }",
    "{ generators { name description artifactType inputSchema estimatedCost } }",
    'query G { generators(artifactType: IMAGE) { name } __typename }',
  ])("is true for %s", (query) => {
    expect(needsNoViewer({ query })).toBe(true);
  });

  it.each([
    "{ me { id } }",
    "{ __typename me { id } }",
    "{ me { __typename } }",
    "{ generators { name } me { id } }",
    '{ generators { name estimatedCost(inputParams: { image: "x" }) } }',
    "{ generators { ...G } } fragment G on GeneratorInfo { name }",
    "{ generators { ... on GeneratorInfo { name } } }",
    "mutation { generators { name } }",
    "mutation { __typename }",
    "subscription { __typename }",
    "{ __typename } fragment F on Query { me { id } }",
    "{ ...F } fragment F on Query { __typename }",
    "{ __typename",
    `{ __typename ${" ".repeat(9000)}}`,
    "",
  ])("is false for %s", (query) => {
    expect(needsNoViewer({ query })).toBe(false);
  });

  it("is false without a query text", () => {
    expect(needsNoViewer(undefined)).toBe(false);
    expect(needsNoViewer({ query: 42 })).toBe(false);
  });
});
