import { Kind, buildSchema, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countNodes } from "./countNodes.js";

const schema = buildSchema(readFileSync(new URL("../../../schema.graphql", import.meta.url), "utf8"));

function count(source: string, variables: Record<string, unknown> = {}): number {
  const doc = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let op: OperationDefinitionNode | undefined;
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    else if (d.kind === Kind.OPERATION_DEFINITION) op ??= d;
  }
  return countNodes(schema, op!, fragments, variables);
}

describe("countNodes", () => {
  it("sums the products of page sizes over nested connections", () => {
    expect(count(`{ boardsConnection(first: 100) { nodes { generationsConnection(first: 100) { nodes { board { generations(limit: 100) { id } } } } } } }`)).toBe(1_010_100);
  });

  it("resolves variables and follows fragments and inline fragments", () => {
    const q = `query($n: Int) { boardsConnection(first: $n) { ...B } }
      fragment B on BoardConnection { nodes { ... on Board { generationsConnection(last: 10) { edges { node { id } } } } } }`;
    expect(count(q, { n: 30 })).toBe(30 + 300);
  });

  it("uses the schema default, else the fallback, when no page size is given", () => {
    expect(count(`{ boardsConnection { nodes { id } } }`)).toBe(20);
    expect(count(`{ myBoards { id } }`)).toBe(50);
    expect(count(`{ myBoards(limit: 2) { generations(limit: 3) { tags { id } } } }`)).toBe(2 + 6 + 60);
  });

  it("does not count introspection", () => {
    expect(count(`{ __schema { types { fields { name } } } }`)).toBe(0);
  });
});
