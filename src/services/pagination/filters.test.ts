/**
 * filterToWhere is checked by what its output selects: a small evaluator runs the Prisma `where`
 * over in-memory rows the way Prisma 6 runs it on PostgreSQL (checked against its query log):
 * `contains`/`startsWith`/`endsWith` become LIKE patterns with the argument inserted as is,
 * `equals`/`not` with `mode: insensitive` become ILIKE / NOT ILIKE with the argument as the
 * pattern, `in`/`notIn` with `mode: insensitive` compare LOWER() values, and comparisons with
 * NULL are unknown (three-valued logic).
 */
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { escapeLike, filterToWhere, type FieldSpec } from "./filters.js";

type Filter = NonNullable<Parameters<typeof filterToWhere>[0]>;
type Cell = string | boolean | Date | null;
type Row = Record<string, Cell>;
type Truth = boolean | null;

const and3 = (xs: Truth[]): Truth => (xs.includes(false) ? false : xs.includes(null) ? null : true);
const or3 = (xs: Truth[]): Truth => (xs.includes(true) ? true : xs.includes(null) ? null : false);
const not3 = (x: Truth): Truth => (x === null ? null : !x);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** A PostgreSQL LIKE pattern (backslash escapes) as a RegExp. */
function likeToRegExp(pattern: string, insensitive: boolean): RegExp {
  let source = "";
  const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      i++;
      if (i >= pattern.length) throw new Error("LIKE pattern must not end with escape character");
      source += literal(pattern[i]!);
    } else if (c === "%") source += "[\\s\\S]*";
    else if (c === "_") source += "[\\s\\S]";
    else source += literal(c);
  }
  return new RegExp(`^${source}$`, insensitive ? "iu" : "u");
}

const like = (text: string, pattern: string, insensitive: boolean) => likeToRegExp(pattern, insensitive).test(text);
const same = (a: Cell, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);
const order = (a: Cell, b: unknown): number => {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x === "number" && typeof y === "number") return x - y;
  if (typeof x === "string" && typeof y === "string") return x < y ? -1 : x > y ? 1 : 0;
  throw new Error(`cannot compare ${String(a)} with ${String(b)}`);
};

function evalField(row: Row, column: string, condition: unknown): Truth {
  if (!(column in row)) throw new Error(`unknown column ${column}`);
  const cell = row[column]!;
  if (condition === null) return cell === null;
  if (!isObject(condition)) return cell === null ? null : same(cell, condition);
  const insensitive = condition.mode === "insensitive";
  const parts: Truth[] = [];
  for (const [op, value] of Object.entries(condition)) {
    if (op === "mode") continue;
    if (value === null && (op === "equals" || op === "not")) {
      parts.push(op === "equals" ? cell === null : cell !== null);
      continue;
    }
    if (cell === null) {
      parts.push(null);
      continue;
    }
    const text = String(cell);
    switch (op) {
      case "equals":
        parts.push(insensitive ? like(text, String(value), true) : same(cell, value));
        break;
      case "not":
        parts.push(insensitive ? !like(text, String(value), true) : !same(cell, value));
        break;
      case "in":
      case "notIn": {
        if (!Array.isArray(value)) throw new Error(`${op} needs a list`);
        const found = value.some((v: unknown) => (insensitive ? String(v).toLowerCase() === text.toLowerCase() : same(cell, v)));
        parts.push(op === "in" ? found : !found);
        break;
      }
      case "contains":
        parts.push(like(text, `%${String(value)}%`, insensitive));
        break;
      case "startsWith":
        parts.push(like(text, `${String(value)}%`, insensitive));
        break;
      case "endsWith":
        parts.push(like(text, `%${String(value)}`, insensitive));
        break;
      case "gt":
        parts.push(order(cell, value) > 0);
        break;
      case "gte":
        parts.push(order(cell, value) >= 0);
        break;
      case "lt":
        parts.push(order(cell, value) < 0);
        break;
      case "lte":
        parts.push(order(cell, value) <= 0);
        break;
      default:
        throw new Error(`operator ${op} is not modelled`);
    }
  }
  return and3(parts);
}

function evalWhere(where: unknown, row: Row): Truth {
  if (!isObject(where)) throw new Error(`not a condition: ${JSON.stringify(where)}`);
  const parts: Truth[] = [];
  for (const [key, value] of Object.entries(where)) {
    const list = Array.isArray(value) ? value : [value];
    if (key === "AND") parts.push(and3(list.map((w) => evalWhere(w, row))));
    else if (key === "OR") {
      if (!Array.isArray(value)) throw new Error("OR needs a list");
      parts.push(or3(list.map((w) => evalWhere(w, row))));
    } else if (key === "NOT") parts.push(and3(list.map((w) => not3(evalWhere(w, row)))));
    else parts.push(evalField(row, key, value));
  }
  return and3(parts);
}

/**
 * Prisma 6 drops "empty" conditions (`{}`, or only empty AND/OR lists) when they are nested, and
 * an empty OR list nested in AND (prisma/orm#17367, #21856, #23873) — and the services always
 * nest the filter in an AND with the caller's scope. Lists the places where that changes the
 * meaning: an empty OR list, and an empty condition inside OR or NOT.
 */
function fragileSpots(where: unknown, path = "where"): string[] {
  const empty = (c: unknown): boolean =>
    isObject(c) && Object.entries(c).every(([k, v]) => (k === "AND" || k === "OR") && Array.isArray(v) && v.every(empty));
  if (Array.isArray(where)) return where.flatMap((w, i) => fragileSpots(w, `${path}[${i}]`));
  if (!isObject(where)) return [];
  const spots: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    const list = Array.isArray(value) ? value : [value];
    if (key === "OR" && list.length === 0) spots.push(`${path}.OR is empty`);
    if (key === "OR" || key === "NOT") list.forEach((c, i) => empty(c) && spots.push(`${path}.${key}[${i}] is empty`));
    spots.push(...fragileSpots(value, `${path}.${key}`));
  }
  return spots;
}

// ---------------------------------------------------------------------------------------------

const FIELDS: Record<string, FieldSpec> = {
  id: { column: "id", kind: "equality" },
  ownerId: { column: "ownerId", kind: "equality" },
  title: { column: "title", kind: "string" },
  description: { column: "description", kind: "string", nullable: true },
  isPublic: { column: "isPublic", kind: "boolean" },
  createdAt: { column: "createdAt", kind: "dateTime" },
  completedAt: { column: "completedAt", kind: "dateTime", nullable: true },
  status: { column: "status", kind: "equality" },
};

const OWNER_A = "aaaaaaaa-0000-4000-8000-000000000001";
const OWNER_B = "bbbbbbbb-0000-4000-8000-000000000002";
const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const day = (month: number, n: number) => new Date(Date.UTC(2024, month - 1, n));

const DATA: Array<[string, string | null, boolean]> = [
  ["100% done", "progress 100%", true],
  ["100 percent done", null, false],
  ["a_b", "under_score", true],
  ["axb", "underXscore", false],
  ["A_B", null, false],
  ["back\\slash", "path\\to", true],
  ["backslash", null, false],
  ["Fox den", "Foxes live here", true],
  ["fox DEN", "", false],
  ["Red fox", null, true],
];
const STATUSES = ["FAILED", "PENDING", "COMPLETED"];
// Row n (1-based): created 2024-01-n, completed 2024-02-n unless n is a multiple of 3, owner A for 1–5.
const ROWS: Row[] = DATA.map(([title, description, isPublic], i) => {
  const n = i + 1;
  return {
    id: idOf(n),
    ownerId: n <= 5 ? OWNER_A : OWNER_B,
    title,
    description,
    isPublic,
    createdAt: day(1, n),
    completedAt: n % 3 === 0 ? null : day(2, n),
    status: STATUSES[n % 3]!,
  };
});
const ALL = DATA.map(([title]) => title);
const except = (...titles: string[]) => ALL.filter((t) => !titles.includes(t));
const sorted = (list: string[]) => [...list].sort();

function matching(filter: Filter | null | undefined): string[] {
  const where = filterToWhere<Record<string, unknown>>(filter, FIELDS);
  return sorted(ROWS.filter((row) => evalWhere(where, row) === true).map((row) => String(row.title)));
}

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

// ---------------------------------------------------------------------------------------------

describe("escapeLike", () => {
  it.each([
    ["plain text", "plain text"],
    ["100%", "100\\%"],
    ["a_b", "a\\_b"],
    ["back\\slash", "back\\\\slash"],
    ["%_\\", "\\%\\_\\\\"],
    ["", ""],
    ["50%_off\\", "50\\%\\_off\\\\"],
  ])("%j → %j", (input, expected) => {
    expect(escapeLike(input)).toBe(expected);
  });

  it("makes any text match itself and nothing else as a LIKE pattern", () => {
    for (const text of ["100% done", "a_b", "back\\slash", "%", "_", "\\", "\\%", "x\\_y%"]) {
      expect(like(text, escapeLike(text), false), text).toBe(true);
      expect(like(`${text}!`, escapeLike(text), false), text).toBe(false);
    }
    expect(like("axb", escapeLike("a_b"), false)).toBe(false);
    expect(like("100 percent", escapeLike("100%"), false)).toBe(false);
    expect(like("backslash", escapeLike("back\\slash"), false)).toBe(false);
  });
});

describe("filterToWhere", () => {
  it("matches everything without a filter", () => {
    expect(matching(null)).toEqual(sorted(ALL));
    expect(matching(undefined)).toEqual(sorted(ALL));
    expect(matching({})).toEqual(sorted(ALL));
  });

  describe("string operators", () => {
    it.each<{ name: string; filter: Filter; expected: string[] }>([
      { name: "equals", filter: { title: { equals: "a_b" } }, expected: ["a_b"] },
      { name: "equals is case-sensitive by default", filter: { title: { equals: "fox den" } }, expected: [] },
      { name: "equals, SENSITIVE", filter: { title: { equals: "Fox den", mode: "SENSITIVE" } }, expected: ["Fox den"] },
      { name: "equals, INSENSITIVE", filter: { title: { equals: "FOX den", mode: "INSENSITIVE" } }, expected: ["Fox den", "fox DEN"] },
      { name: "equals with _, INSENSITIVE", filter: { title: { equals: "A_B", mode: "INSENSITIVE" } }, expected: ["A_B", "a_b"] },
      { name: "equals with %, INSENSITIVE", filter: { title: { equals: "100% DONE", mode: "INSENSITIVE" } }, expected: ["100% done"] },
      { name: "equals with a backslash, INSENSITIVE", filter: { title: { equals: "BACK\\SLASH", mode: "INSENSITIVE" } }, expected: ["back\\slash"] },
      { name: "not", filter: { title: { not: "a_b" } }, expected: except("a_b") },
      { name: "not, INSENSITIVE", filter: { title: { not: "a_B", mode: "INSENSITIVE" } }, expected: except("a_b", "A_B") },
      { name: "in", filter: { title: { in: ["a_b", "axb", "nope"] } }, expected: ["a_b", "axb"] },
      { name: "in, INSENSITIVE", filter: { title: { in: ["FOX DEN", "red FOX"], mode: "INSENSITIVE" } }, expected: ["Fox den", "Red fox", "fox DEN"] },
      { name: "in an empty list", filter: { title: { in: [] } }, expected: [] },
      { name: "notIn", filter: { title: { notIn: ["a_b", "axb"] } }, expected: except("a_b", "axb") },
      { name: "notIn, INSENSITIVE", filter: { title: { notIn: ["fox den"], mode: "INSENSITIVE" } }, expected: except("Fox den", "fox DEN") },
      { name: "notIn an empty list", filter: { title: { notIn: [] } }, expected: ALL },
      { name: "contains", filter: { title: { contains: "fox" } }, expected: ["Red fox", "fox DEN"] },
      { name: "contains, INSENSITIVE", filter: { title: { contains: "FOX", mode: "INSENSITIVE" } }, expected: ["Fox den", "Red fox", "fox DEN"] },
      { name: "contains % literally", filter: { title: { contains: "0% d" } }, expected: ["100% done"] },
      { name: "contains _ literally", filter: { title: { contains: "_" } }, expected: ["A_B", "a_b"] },
      { name: "contains _ literally, INSENSITIVE", filter: { title: { contains: "_b", mode: "INSENSITIVE" } }, expected: ["A_B", "a_b"] },
      { name: "contains a backslash literally", filter: { title: { contains: "k\\s" } }, expected: ["back\\slash"] },
      { name: "contains a lone backslash", filter: { title: { contains: "\\" } }, expected: ["back\\slash"] },
      { name: "startsWith % literally", filter: { title: { startsWith: "100%" } }, expected: ["100% done"] },
      { name: "startsWith", filter: { title: { startsWith: "100" } }, expected: ["100 percent done", "100% done"] },
      { name: "startsWith _, INSENSITIVE", filter: { title: { startsWith: "a_", mode: "INSENSITIVE" } }, expected: ["A_B", "a_b"] },
      { name: "endsWith _ literally", filter: { title: { endsWith: "_b" } }, expected: ["a_b"] },
      { name: "endsWith a backslash sequence literally", filter: { title: { endsWith: "\\slash" } }, expected: ["back\\slash"] },
      { name: "operators in one object are ANDed", filter: { title: { startsWith: "100", endsWith: "done", not: "100% done" } }, expected: ["100 percent done"] },
      { name: "mode applies to every operator", filter: { title: { contains: "FOX", notIn: ["red fox"], mode: "INSENSITIVE" } }, expected: ["Fox den", "fox DEN"] },
      { name: "an empty operator object", filter: { title: {} }, expected: ALL },
      { name: "isNull: true", filter: { description: { isNull: true } }, expected: ["100 percent done", "A_B", "Red fox", "backslash"] },
      { name: "isNull: false", filter: { description: { isNull: false } }, expected: ["100% done", "Fox den", "a_b", "axb", "back\\slash", "fox DEN"] },
      { name: "isNull: false with contains", filter: { description: { isNull: false, contains: "score" } }, expected: ["a_b", "axb"] },
      { name: "equals the empty string", filter: { description: { equals: "" } }, expected: ["fox DEN"] },
      { name: "unset operators are ignored", filter: { title: { equals: null, contains: undefined, startsWith: "a" } }, expected: ["a_b", "axb"] },
    ])("$name", ({ filter, expected }) => {
      expect(matching(filter)).toEqual(sorted(expected));
    });
  });

  describe("equality, date-time and boolean operators", () => {
    it.each<{ name: string; filter: Filter; expected: string[] }>([
      { name: "id equals", filter: { id: { equals: idOf(3) } }, expected: ["a_b"] },
      { name: "id not", filter: { id: { not: idOf(3) } }, expected: except("a_b") },
      { name: "id in", filter: { id: { in: [idOf(3), idOf(4)] } }, expected: ["a_b", "axb"] },
      { name: "id notIn", filter: { id: { notIn: [idOf(3), idOf(4)] } }, expected: except("a_b", "axb") },
      { name: "ownerId equals", filter: { ownerId: { equals: OWNER_A } }, expected: ["100 percent done", "100% done", "A_B", "a_b", "axb"] },
      { name: "status equals", filter: { status: { equals: "COMPLETED" } }, expected: ["100 percent done", "A_B", "Fox den"] },
      { name: "status not", filter: { status: { not: "PENDING" } }, expected: ["100 percent done", "A_B", "Fox den", "a_b", "back\\slash", "fox DEN"] },
      { name: "status in", filter: { status: { in: ["COMPLETED", "FAILED"] } }, expected: ["100 percent done", "A_B", "Fox den", "a_b", "back\\slash", "fox DEN"] },
      { name: "status notIn", filter: { status: { notIn: ["COMPLETED", "FAILED"] } }, expected: ["100% done", "Red fox", "axb", "backslash"] },
      { name: "status in and not together", filter: { status: { in: ["COMPLETED", "FAILED"], not: "FAILED" } }, expected: ["100 percent done", "A_B", "Fox den"] },
      { name: "createdAt equals", filter: { createdAt: { equals: day(1, 3) } }, expected: ["a_b"] },
      { name: "createdAt not", filter: { createdAt: { not: day(1, 3) } }, expected: except("a_b") },
      { name: "createdAt gt", filter: { createdAt: { gt: day(1, 8) } }, expected: ["Red fox", "fox DEN"] },
      { name: "createdAt gte", filter: { createdAt: { gte: day(1, 8) } }, expected: ["Fox den", "Red fox", "fox DEN"] },
      { name: "createdAt lt", filter: { createdAt: { lt: day(1, 2) } }, expected: ["100% done"] },
      { name: "createdAt lte", filter: { createdAt: { lte: day(1, 2) } }, expected: ["100 percent done", "100% done"] },
      { name: "createdAt gt and lt", filter: { createdAt: { gt: day(1, 3), lt: day(1, 6) } }, expected: ["A_B", "axb"] },
      { name: "completedAt isNull: true", filter: { completedAt: { isNull: true } }, expected: ["a_b", "back\\slash", "fox DEN"] },
      { name: "completedAt isNull: false", filter: { completedAt: { isNull: false } }, expected: except("a_b", "back\\slash", "fox DEN") },
      { name: "completedAt lt leaves out nulls", filter: { completedAt: { lt: day(2, 4) } }, expected: ["100 percent done", "100% done"] },
      { name: "isPublic: true", filter: { isPublic: true }, expected: ["100% done", "Fox den", "Red fox", "a_b", "back\\slash"] },
      { name: "isPublic: false", filter: { isPublic: false }, expected: ["100 percent done", "A_B", "axb", "backslash", "fox DEN"] },
      { name: "fields of one object are ANDed", filter: { isPublic: false, title: { startsWith: "a" } }, expected: ["axb"] },
    ])("$name", ({ filter, expected }) => {
      expect(matching(filter)).toEqual(sorted(expected));
    });
  });

  describe("AND / OR / NOT", () => {
    it.each<{ name: string; filter: Filter; expected: string[] }>([
      {
        name: "OR of multi-field objects is an OR of ANDs",
        filter: {
          OR: [
            { title: { startsWith: "100" }, isPublic: true },
            { title: { contains: "fox", mode: "INSENSITIVE" }, isPublic: false },
          ],
        },
        expected: ["100% done", "fox DEN"],
      },
      { name: "NOT list means none matches", filter: { NOT: [{ title: { startsWith: "100" } }, { isPublic: true }] }, expected: ["A_B", "axb", "backslash", "fox DEN"] },
      { name: "NOT of a multi-field object", filter: { NOT: [{ title: { startsWith: "100" }, isPublic: true }] }, expected: except("100% done") },
      { name: "AND list", filter: { AND: [{ title: { contains: "a" } }, { title: { contains: "b" } }] }, expected: ["a_b", "axb", "back\\slash", "backslash"] },
      {
        name: "fields next to OR are ANDed with it",
        filter: { isPublic: true, OR: [{ title: { contains: "fox", mode: "INSENSITIVE" } }, { title: { contains: "%" } }] },
        expected: ["100% done", "Fox den", "Red fox"],
      },
      {
        name: "nested NOT and AND in OR",
        filter: { OR: [{ NOT: [{ isPublic: true }] }, { AND: [{ title: { startsWith: "Red" } }] }] },
        expected: ["100 percent done", "A_B", "Red fox", "axb", "backslash", "fox DEN"],
      },
      { name: "NOT of NOT", filter: { NOT: [{ NOT: [{ isPublic: true }] }] }, expected: ["100% done", "Fox den", "Red fox", "a_b", "back\\slash"] },
      { name: "NOT with a null column inside", filter: { NOT: [{ description: { isNull: true } }] }, expected: ["100% done", "Fox den", "a_b", "axb", "back\\slash", "fox DEN"] },
      { name: "empty AND", filter: { AND: [] }, expected: ALL },
      { name: "empty NOT", filter: { NOT: [] }, expected: ALL },
      { name: "empty OR", filter: { OR: [] }, expected: [] },
      { name: "OR with an empty object", filter: { OR: [{}, { title: { equals: "nope" } }] }, expected: ALL },
      { name: "NOT of an empty object", filter: { NOT: [{}] }, expected: [] },
      { name: "NOT of an empty AND", filter: { NOT: [{ AND: [] }] }, expected: [] },
      { name: "NOT of an empty OR", filter: { NOT: [{ OR: [] }] }, expected: ALL },
      { name: "empty OR next to a field", filter: { isPublic: true, OR: [] }, expected: [] },
    ])("$name", ({ filter, expected }) => {
      expect(matching(filter)).toEqual(sorted(expected));
    });

    it.each<{ name: string; filter: Filter }>([
      { name: "empty OR", filter: { OR: [] } },
      { name: "empty OR next to a field", filter: { isPublic: true, OR: [] } },
      { name: "OR with an empty object", filter: { OR: [{}, { title: { equals: "nope" } }] } },
      { name: "NOT of an empty object", filter: { NOT: [{}] } },
      { name: "NOT of an empty AND", filter: { NOT: [{ AND: [] }] } },
      { name: "NOT of an object with only unset fields", filter: { NOT: [{ title: null }] } },
    ])("does not hand Prisma an empty condition where it would be dropped: $name", ({ filter }) => {
      const where = filterToWhere<Record<string, unknown>>(filter, FIELDS);
      expect(fragileSpots({ AND: [{ tenantId: "t" }, where] }), JSON.stringify(where)).toEqual([]);
    });
  });

  describe("limits", () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => idOf(i + 1));

    it.each<{ name: string; filter: (n: number) => Filter }>([
      { name: "string in", filter: (n) => ({ title: { in: values(n) } }) },
      { name: "string notIn", filter: (n) => ({ title: { notIn: values(n) } }) },
      { name: "uuid in", filter: (n) => ({ id: { in: ids(n) } }) },
      { name: "uuid notIn", filter: (n) => ({ id: { notIn: ids(n) } }) },
      { name: "string in inside OR", filter: (n) => ({ OR: [{ isPublic: true }, { title: { in: values(n) } }] }) },
      { name: "uuid notIn inside NOT", filter: (n) => ({ NOT: [{ ownerId: { notIn: ids(n) } }] }) },
    ])("accepts 100 values and refuses 101 in $name", ({ filter }) => {
      expect(() => filterToWhere(filter(100), FIELDS)).not.toThrow();
      const error = thrown(() => filterToWhere(filter(101), FIELDS));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "filter" });
    });

    const nest = (levels: number, op: "AND" | "OR" | "NOT"): Filter => {
      let filter: Filter = { title: { equals: "a_b" } };
      for (let i = 1; i < levels; i++) filter = { [op]: [filter] };
      return filter;
    };

    it.each(["AND", "OR", "NOT"] as const)("allows 6 levels of %s and refuses deeper nesting", (op) => {
      expect(() => filterToWhere(nest(6, op), FIELDS)).not.toThrow();
      for (const levels of [7, 8, 50]) {
        const error = thrown(() => filterToWhere(nest(levels, op), FIELDS));
        expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "filter" });
      }
    });

    it("counts mixed AND/OR/NOT levels together", () => {
      const six: Filter = { AND: [{ OR: [{ NOT: [{ AND: [{ OR: [{ title: { equals: "a_b" } }] }] }] }] }] };
      expect(matching(six)).toEqual(sorted(except("a_b")));
      const seven: Filter = { NOT: [six] };
      expect(thrown(() => filterToWhere(seven, FIELDS)).extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "filter" });
    });
  });
});
