import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { describeInputProblem, inputProblem, MAX_JSON_DEPTH } from "../lib/inputProblem.js";
import { UUID_PATTERN } from "../lib/uuid.js";
import { requestStore } from "../requestContext.js";
import type { UploadedFile } from "../services/uploads.js";

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

function parseUuid(value: unknown): string {
  if (typeof value !== "string" || !UUID_PATTERN.test(value)) throw invalid(`Expected a UUID, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

export const UUID = new GraphQLScalarType({
  name: "UUID",
  serialize: (value) => String(value),
  parseValue: parseUuid,
  parseLiteral: (ast) => parseUuid(ast.kind === Kind.STRING ? ast.value : undefined),
});

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Whether the written fields name a real instant: month 1–12, a day of that month, 00:00–23:59:59, year 1–9999. */
function fieldsInRange(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((f) => (f === undefined ? undefined : Number(f)));
  if (year! < 1 || month! < 1 || month! > 12 || day! < 1) return false;
  // Day 0 of the next month is the last of this one (years 1–99 map to 1901–1999, same leap rule).
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return day! <= daysInMonth && hour! <= 23 && minute! <= 59 && second! <= 59 && offsetHours! <= 23 && offsetMinutes! <= 59;
}

function parseDateTime(value: unknown): Date {
  // Require a date with time and zone so values are unambiguous.
  const match = typeof value === "string" ? DATE_TIME.exec(value) : null;
  if (!match) throw invalid(`Expected an ISO-8601 date-time with time zone, got ${JSON.stringify(value)}`);
  // Date would roll 2020-02-31 over into March, and PostgreSQL refuses year 0 outright.
  const date = new Date(value as string);
  if (!fieldsInRange(match) || Number.isNaN(date.getTime())) throw invalid(`Invalid date-time ${JSON.stringify(value)}`);
  return date;
}

export const DateTime = new GraphQLScalarType({
  name: "DateTime",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      return ast.value;
  }
}

/**
 * A client's JSON value, at most {@link MAX_JSON_DEPTH} levels deep, with well-formed text and
 * no NUL characters. Sizes are bounded per field by the services (64 KiB for settings and
 * metadata, 256 KiB for inputParams), which report them as field errors.
 */
function parseJson(value: unknown): unknown {
  const problem = inputProblem(value, MAX_JSON_DEPTH);
  if (problem) throw invalid(problem === "depth" ? `JSON values may nest at most ${MAX_JSON_DEPTH} levels deep` : describeInputProblem(problem));
  return value;
}

export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  serialize: (value) => value,
  parseValue: parseJson,
  parseLiteral: (ast, variables) => parseJson(literalToJson(ast, variables)),
});

function parseFile(value: unknown): UploadedFile {
  const file = typeof value === "string" ? requestStore.getStore()?.uploads?.get(value) : undefined;
  if (!file) throw invalid("A File must be sent as a file part of a multipart request (GraphQL multipart request spec)");
  return file;
}

/**
 * Input-only: the HTTP layer spools each file part of a multipart request to disk and puts a
 * per-request placeholder in its place in the variables; this turns the placeholder back into
 * the spooled file. Any other value (a string in a JSON request, a literal) is refused.
 */
export const FileScalar = new GraphQLScalarType<UploadedFile, never>({
  name: "File",
  serialize: () => {
    throw new GraphQLError("File is an input-only scalar");
  },
  parseValue: parseFile,
  parseLiteral: () => parseFile(undefined),
});
