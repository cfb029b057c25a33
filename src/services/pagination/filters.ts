/**
 * Translates the API's filter inputs (per-scalar operator objects, AND/OR/NOT lists) into Prisma
 * `where` conditions. Every operator given in one object must hold (they are ANDed); `OR` means
 * any element matches, `NOT` that none does. `contains`/`startsWith`/`endsWith` match literally:
 * Prisma passes their argument to LIKE unescaped, so `%`, `_` and `\` are escaped here.
 */
import { badUserInput } from "../../errors.js";

type Where = Record<string, unknown>;
type Nullable<T> = T | null | undefined;

export type StringFilterInput = {
  equals?: Nullable<string>;
  not?: Nullable<string>;
  in?: Nullable<string[]>;
  notIn?: Nullable<string[]>;
  contains?: Nullable<string>;
  startsWith?: Nullable<string>;
  endsWith?: Nullable<string>;
  mode?: Nullable<"SENSITIVE" | "INSENSITIVE">;
  isNull?: Nullable<boolean>;
};

export type DateTimeFilterInput = {
  equals?: Nullable<Date>;
  not?: Nullable<Date>;
  gt?: Nullable<Date>;
  gte?: Nullable<Date>;
  lt?: Nullable<Date>;
  lte?: Nullable<Date>;
  isNull?: Nullable<boolean>;
};

export type EqualityFilterInput<T> = {
  equals?: Nullable<T>;
  not?: Nullable<T>;
  in?: Nullable<T[]>;
  notIn?: Nullable<T[]>;
};

/** How one filter field maps onto a Prisma column (`nullable`: the column may hold NULL). */
export type FieldSpec = { column: string; kind: "string" | "dateTime" | "equality" | "boolean"; nullable?: boolean };

/*
 * Explicit constant conditions. Prisma silently drops an empty `OR: []`, `{}` or `AND: []`
 * nested inside another condition instead of treating it as false/true, and refuses
 * `{ column: null }` on a required column; these always compile to a real predicate.
 * Every filterable model has an `id` column.
 */
const FALSE: Where = { id: { in: [] } };
const TRUE: Where = { NOT: [FALSE] };

const MAX_LIST = 100;
const MAX_NESTING = 6;

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const isSet = <T>(v: Nullable<T>): v is T => v !== null && v !== undefined;

function checkList(list: unknown[], path: string) {
  if (list.length > MAX_LIST) {
    throw badUserInput(`Filter \`${path}\` accepts at most ${MAX_LIST} values`, { argument: "filter" });
  }
}

/** `isNull` on a column: on a required column it is simply false (true) or true (false). */
function nullCondition(spec: FieldSpec, isNull: boolean): Where {
  if (!spec.nullable) return isNull ? FALSE : TRUE;
  return isNull ? { [spec.column]: null } : { [spec.column]: { not: null } };
}

function stringConditions(spec: FieldSpec, f: StringFilterInput, path: string): Where[] {
  const column = spec.column;
  const insensitive = f.mode === "INSENSITIVE";
  const mode = insensitive ? { mode: "insensitive" } : {};
  const out: Where[] = [];
  const add = (op: string, value: unknown) => out.push({ [column]: { [op]: value, ...mode } });
  // Case-insensitive equality is compiled to ILIKE, so its value needs escaping too.
  const exact = (value: string) => (insensitive ? escapeLike(value) : value);
  if (isSet(f.equals)) add("equals", exact(f.equals));
  if (isSet(f.not)) add("not", exact(f.not));
  if (isSet(f.in)) {
    checkList(f.in, `${path}.in`);
    add("in", f.in);
  }
  if (isSet(f.notIn)) {
    checkList(f.notIn, `${path}.notIn`);
    add("notIn", f.notIn);
  }
  if (isSet(f.contains)) add("contains", escapeLike(f.contains));
  if (isSet(f.startsWith)) add("startsWith", escapeLike(f.startsWith));
  if (isSet(f.endsWith)) add("endsWith", escapeLike(f.endsWith));
  if (isSet(f.isNull)) out.push(nullCondition(spec, f.isNull));
  return out;
}

function dateConditions(spec: FieldSpec, f: DateTimeFilterInput): Where[] {
  const out: Where[] = [];
  for (const op of ["equals", "not", "gt", "gte", "lt", "lte"] as const) {
    const value = f[op];
    if (isSet(value)) out.push({ [spec.column]: { [op]: value } });
  }
  if (isSet(f.isNull)) out.push(nullCondition(spec, f.isNull));
  return out;
}

function equalityConditions(column: string, f: EqualityFilterInput<unknown>, path: string): Where[] {
  const out: Where[] = [];
  if (isSet(f.equals)) out.push({ [column]: { equals: f.equals } });
  if (isSet(f.not)) out.push({ [column]: { not: f.not } });
  if (isSet(f.in)) {
    checkList(f.in, `${path}.in`);
    out.push({ [column]: { in: f.in } });
  }
  if (isSet(f.notIn)) {
    checkList(f.notIn, `${path}.notIn`);
    out.push({ [column]: { notIn: f.notIn } });
  }
  return out;
}

type FilterObject = Record<string, unknown> & { AND?: Nullable<FilterObject[]>; OR?: Nullable<FilterObject[]>; NOT?: Nullable<FilterObject[]> };

/**
 * Builds a Prisma `where` from an entity filter, given how each filter field maps to a column.
 * @throws BAD_USER_INPUT for lists over 100 values or nesting deeper than 6 levels.
 */
export function filterToWhere<W>(filter: Nullable<FilterObject>, fields: Record<string, FieldSpec>): W {
  return (filter ? convert(filter, fields, "filter", 1) : TRUE) as W;
}

function convert(filter: FilterObject, fields: Record<string, FieldSpec>, path: string, depth: number): Where {
  if (depth > MAX_NESTING) {
    throw badUserInput(`Filter nesting is limited to ${MAX_NESTING} levels`, { argument: "filter" });
  }
  const and: Where[] = [];
  for (const [name, value] of Object.entries(filter)) {
    if (!isSet(value)) continue;
    const at = `${path}.${name}`;
    if (name === "AND" || name === "OR" || name === "NOT") {
      const list = value as FilterObject[];
      checkList(list, at);
      const parts = list.map((f, i) => convert(f, fields, `${at}[${i}]`, depth + 1));
      if (name === "AND") and.push(...parts);
      else if (name === "OR") and.push(parts.length ? { OR: parts } : FALSE);
      else if (parts.length) and.push({ NOT: parts });
      continue;
    }
    const spec = fields[name];
    if (!spec) continue;
    if (spec.kind === "boolean") and.push({ [spec.column]: value });
    else if (spec.kind === "string") and.push(...stringConditions(spec, value as StringFilterInput, at));
    else if (spec.kind === "dateTime") and.push(...dateConditions(spec, value as DateTimeFilterInput));
    else and.push(...equalityConditions(spec.column, value as EqualityFilterInput<unknown>, at));
  }
  if (and.length === 0) return TRUE;
  return and.length === 1 ? and[0]! : { AND: and };
}
