import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
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

function parseDateTime(value: unknown): Date {
  // Require a date with time and zone so values are unambiguous.
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw invalid(`Expected an ISO-8601 date-time with time zone, got ${JSON.stringify(value)}`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(`Invalid date-time ${JSON.stringify(value)}`);
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

export const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
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
