/**
 * Seeded generator of GraphQL requests for the fuzz suite: operations built from the schema
 * (every root field, arguments of the right and of the wrong types, hostile strings, huge and
 * negative numbers, ill-formed Unicode, deep JSON, unknown enum values, arguments inline or as
 * variables), a share of them then damaged at the text level so the parser and validation see
 * malformed documents too. The same seed gives the same requests, so a failure replays.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from "graphql";
import { random as seededRandom } from "../../src/lib/seededRandom.js";

export type FuzzRequest = {
  operation: "query" | "mutation" | "subscription";
  query: string;
  variables: Record<string, unknown>;
};

/** Ids worth hitting: real rows of the suite's fixture, so valid-looking calls reach the services. */
export type FuzzIds = { uuids: string[] };

/** A value both as a variable (JSON) and as an inline GraphQL literal. */
type Value = { json: unknown; literal: string };

/** Hostile strings by kind; a kind is picked first, so rare kinds are not drowned by common ones. */
const HOSTILE_STRING_KINDS: readonly string[][] = [
  ["a\ud800b", "\udfff", "\udc00\ud800", "x\ud83d"],
  ["nul\u0000byte", "\u0000", "\u0001\u0002\u001f"],
  ["x".repeat(10_000), "é".repeat(3_000), "🙂".repeat(2_000), "y".repeat(300)],
  ["", " ", "\t\n", "\u202eright-to-left", "\ud83d\ude00 emoji", "\ufeffbom"],
  ["' OR 1=1 --", "\"; DROP TABLE boards; --", "%_\\", "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}"],
  ["../../etc/passwd", "file:///etc/passwd", "http://127.0.0.1:9/a.png", "javascript:alert(1)", "\r\nX-Injected: 1"],
  ["0", "-1", "true", "null", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "2024-02-30T25:61:61Z", "image-from-prompt", "IMAGE"],
];

/** Plain values a client would send, for the mostly-valid requests. */
const PLAIN_STRINGS = ["a cat on a board", "Fuzz board", "fuzz", "image-from-prompt", "a@b.example"];

const NUMBERS = [0, 1, -1, 7, 100, 101, 2_147_483_647, 2_147_483_648, -2_147_483_649, 1e15, 1e308, -1e308, 0.5, -0.0001];

const DATES = ["2024-01-01T00:00:00.000Z", "2024-13-45T00:00:00Z", "yesterday", "", "99999-01-01T00:00:00Z", "1970-01-01"];

export function createFuzzer(schema: GraphQLSchema, seed: number, ids: FuzzIds) {
  const random = seededRandom(seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number) => Math.floor(random() * max);
  /**
   * How likely each value of the current request is hostile: most requests are plain calls
   * with a hostile value here and there (so they get past validation to the services), the
   * rest are hostile throughout.
   */
  let hostility = 0.5;
  const hostile = () => chance(hostility);
  const hostileString = () => pick(pick(HOSTILE_STRING_KINDS));

  /** A well-formed UUID of no existing row (seeded, unlike crypto.randomUUID). */
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => int(16).toString(16)).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  };
  const stringValue = (s: string): Value => ({ json: s, literal: JSON.stringify(s) });
  const numberValue = (n: number): Value => ({ json: n, literal: Number.isInteger(n) ? n.toFixed(0) : String(n) });

  function deepJson(depth: number): unknown {
    let value: unknown = "leaf";
    for (let i = 0; i < depth; i++) value = chance(0.5) ? { a: value } : [value];
    return value;
  }

  function jsonToLiteral(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return `[${value.map(jsonToLiteral).join(", ")}]`;
    if (typeof value === "object") {
      return `{${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : "bad_key"}: ${jsonToLiteral(v)}`)
        .join(", ")}}`;
    }
    return JSON.stringify(value);
  }

  function jsonValue(): Value {
    const json = pick<() => unknown>([
      () => ({}),
      () => ({ prompt: hostileString(), seed: pick(NUMBERS) }),
      () => ({ prompt: "a cat", num_images: pick(NUMBERS), width: pick(NUMBERS) }),
      () => deepJson(pick([5, 40, 200, 1_000])),
      () => deepJson(pick([100, 1_000])),
      () => Array.from({ length: pick([0, 10, 5_000]) }, (_, i) => i),
      () => hostileString(),
      () => pick(NUMBERS),
      () => null,
      () => ({ [hostileString().slice(0, 50) || "k"]: hostileString() }),
    ])();
    return { json, literal: jsonToLiteral(json) };
  }

  /** A value that fits the scalar's shape (a plain one, or a hostile one). */
  function scalarValue(name: string): Value {
    const evil = hostile();
    switch (name) {
      case "Int":
      case "Float":
        if (!evil) return numberValue(1 + int(20));
        return chance(0.85) ? numberValue(pick(NUMBERS)) : stringValue(hostileString());
      case "Boolean":
        return !evil || chance(0.5) ? { json: chance(0.5), literal: String(chance(0.5)) } : stringValue("yes");
      case "UUID":
      case "ID":
        if (!evil && ids.uuids.length > 0) return stringValue(pick(ids.uuids));
        return stringValue(chance(0.5) ? uuid() : hostileString());
      case "DateTime":
        return stringValue(evil ? pick(DATES) : DATES[0]!);
      case "JSON":
        return evil ? jsonValue() : { json: { prompt: "a cat" }, literal: "{ prompt: \"a cat\" }" };
      default:
        return stringValue(evil ? hostileString() : pick(PLAIN_STRINGS));
    }
  }

  /** A value wholly of the wrong kind for its place. */
  function wrongValue(): Value {
    return pick<() => Value>([
      () => ({ json: { unexpected: true }, literal: "{ unexpected: true }" }),
      () => ({ json: [1, 2], literal: "[1, 2]" }),
      () => numberValue(pick(NUMBERS)),
      () => stringValue(hostileString()),
      () => ({ json: null, literal: "null" }),
      () => ({ json: "NOT_AN_ENUM_VALUE", literal: "NOT_AN_ENUM_VALUE" }),
    ])();
  }

  function inputValue(type: GraphQLInputType, depth: number): Value {
    if (chance(hostility / 8)) return wrongValue();
    if (isNonNullType(type)) return inputValue(type.ofType, depth);
    if (isListType(type)) {
      const items = Array.from({ length: hostile() ? pick([0, 3, 150]) : 1 + int(2) }, () => inputValue(type.ofType as GraphQLInputType, depth + 1));
      return { json: items.map((v) => v.json), literal: `[${items.map((v) => v.literal).join(", ")}]` };
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((v) => v.name);
      const name = hostile() && chance(0.2) ? "NOPE" : pick(values);
      return { json: name, literal: name };
    }
    if (isInputObjectType(type)) {
      if (depth > 4) return { json: {}, literal: "{}" };
      const parts: Array<[string, Value]> = [];
      for (const field of Object.values(type.getFields())) {
        const required = isNonNullType(field.type);
        if ((required && chance(0.93)) || (!required && chance(0.4))) parts.push([field.name, inputValue(field.type, depth + 1)]);
      }
      if (chance(hostility / 10)) parts.push(["unknownField", stringValue("x")]);
      return {
        json: Object.fromEntries(parts.map(([k, v]) => [k, v.json])),
        literal: `{ ${parts.map(([k, v]) => `${k}: ${v.literal}`).join(", ")} }`,
      };
    }
    if (isScalarType(type)) return scalarValue(type.name);
    return wrongValue();
  }

  /** Arguments of a field: each given inline or through a (sometimes mistyped) variable. */
  function argumentsOf(args: readonly GraphQLArgument[], variables: Map<string, { type: string; value: unknown }>): string {
    const given: string[] = [];
    for (const arg of args) {
      const required = isNonNullType(arg.type);
      if (!((required && chance(0.95)) || (!required && chance(0.45)))) continue;
      const value = inputValue(arg.type, 0);
      if (chance(0.5)) {
        const name = `v${variables.size}`;
        const declared = !chance(hostility / 8) ? String(arg.type) : pick(["String", "Int!", "[ID]", "JSON", "Boolean"]);
        variables.set(name, { type: declared, value: value.json });
        given.push(`${arg.name}: $${name}`);
      } else {
        given.push(`${arg.name}: ${value.literal}`);
      }
    }
    if (chance(0.03)) given.push("bogusArgument: 1");
    return given.length > 0 ? `(${given.join(", ")})` : "";
  }

  function selectionOf(type: GraphQLOutputType, depth: number, variables: Map<string, { type: string; value: unknown }>): string {
    const named: GraphQLNamedType = getNamedType(type);
    if (isScalarType(named) || isEnumType(named)) return "";
    if (isUnionType(named) || isInterfaceType(named)) {
      const possible = schema.getPossibleTypes(named);
      const target = pick(possible);
      return `{ __typename ... on ${target.name} ${selectionOf(target, depth, variables) || "{ __typename }"} }`;
    }
    if (!isObjectType(named)) return "";
    const fields = Object.values((named as GraphQLObjectType).getFields());
    const leaves = fields.filter((f) => {
      const t = getNamedType(f.type);
      return (isScalarType(t) || isEnumType(t)) && f.args.every((a) => !isNonNullType(a.type));
    });
    const chosen = new Set<GraphQLField<unknown, unknown>>();
    const leafCount = 1 + int(4);
    for (let i = 0; i < leafCount && leaves.length > 0; i++) chosen.add(pick(leaves));
    const parts = [...chosen].map((f) => f.name + argumentsOf(f.args, variables));
    const nested = fields.filter((f) => !chosen.has(f) && !leaves.includes(f));
    if (depth < 3 && nested.length > 0 && chance(0.6)) {
      const field = pick(nested);
      const sub = selectionOf(field.type, depth + 1, variables);
      parts.push(`${field.name}${argumentsOf(field.args, variables)} ${sub || ""}`.trim());
    }
    if (chance(0.03)) parts.push("noSuchField");
    if (parts.length === 0) parts.push("__typename");
    return `{ ${parts.join(" ")} }`;
  }

  /** Damages a document at the text level: truncation, stray punctuation, repetition. */
  function damage(text: string): string {
    const at = int(text.length + 1);
    return pick<() => string>([
      () => text.slice(0, at),
      () => text.slice(0, at) + pick(["{", "}", "(", ")", "[", "]", "$", "@", "!", ":", '"', "\\", "...", "\u0000", "#"]) + text.slice(at),
      () => text + text.slice(0, at),
      () => text.replaceAll("{", "{ { "),
      () => `${text} fragment F on Query { __typename }`,
      () => pick(["", "{", "query", "}{", "subscription", "mutation { }", "{ __typename @skip }", "{ ...Missing }", '"""unterminated']),
    ])();
  }

  return {
    /** The next request; `operation` picks the root type (subscriptions only make sense on WebSocket). */
    next(operation: FuzzRequest["operation"]): FuzzRequest {
      hostility = chance(0.6) ? 0.12 : 0.6;
      const root = operation === "query" ? schema.getQueryType() : operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
      const variables = new Map<string, { type: string; value: unknown }>();
      const field = pick(Object.values(root!.getFields()));
      const body = `${field.name}${argumentsOf(field.args, variables)} ${selectionOf(field.type, 1, variables)}`;
      const declarations = variables.size > 0 ? `(${[...variables].map(([n, v]) => `$${n}: ${v.type}`).join(", ")})` : "";
      let query = `${operation} Fuzz${declarations} { ${body} }`;
      if (chance(0.1)) query = damage(query);
      const values = Object.fromEntries([...variables].map(([n, v]) => [n, v.value]));
      if (chance(0.03)) values.undeclared = "x";
      return { operation, query, variables: values };
    },
    random,
  };
}
