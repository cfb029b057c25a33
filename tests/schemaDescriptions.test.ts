/**
 * The SDL documents itself: every type, field, argument, input field and enum value of
 * schema.graphql carries a description, so introspecting clients (GraphiQL, codegen, the Boards
 * client's tooling) see what each one does. Built-in scalars and introspection types are the
 * GraphQL spec's, not ours, and are skipped.
 */
import { readFileSync } from "node:fs";
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLNamedType,
} from "graphql";
import { describe, expect, it } from "vitest";

const schema = buildSchema(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

/** Paths (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) of every undocumented element. */
function undocumented(type: GraphQLNamedType): string[] {
  const missing: string[] = [];
  const check = (path: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(path);
  };
  check(type.name, type.description);
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      check(`${type.name}.${field.name}`, field.description);
      for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name}:)`, arg.description);
    }
  } else if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field.description);
  } else if (isEnumType(type)) {
    for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
  }
  return missing;
}

describe("schema.graphql descriptions", () => {
  it("describes every type, field, argument, input field and enum value", () => {
    const ours = Object.values(schema.getTypeMap()).filter(
      (type) => !isIntrospectionType(type) && !isSpecifiedScalarType(type),
    );
    expect(ours.length).toBeGreaterThan(30);
    expect(ours.flatMap(undocumented)).toEqual([]);
  });
});
