/**
 * The `operations` and `map` fields of a GraphQL multipart request
 * (https://github.com/jaydenseric/graphql-multipart-request-spec), checked against each other
 * before any file is read: the map may only point at variables the operation really has (set
 * to null, as the spec's clients send them), so a file never lands anywhere else in the body.
 * Subscriptions are refused: their answer is a stream that outlives the request's spooled
 * files (and they take no files). Pure: no I/O, refusals are HttpProblems (400).
 */
import { getOperationAST, parse } from "graphql";
import { HttpProblem } from "./HttpProblem.js";

type JsonObject = { [key: string]: unknown };

export type MultipartOperations = {
  /** File field names the map announces, in map order. */
  fileFields: readonly string[];
  /** The operation body with every mapped variable set to its file's placeholder. */
  withPlaceholders(placeholders: ReadonlyMap<string, string>): JsonObject;
};

/** Spec clients name file parts "0", "1", …; anything printable and short is accepted. */
const FILE_FIELD = /^[\w.-]{1,100}$/;
const RESERVED_FIELDS = new Set(["operations", "map"]);
const MAX_PATHS_PER_FILE = 10;
const MAX_PATH_SEGMENTS = 32;

const problem = (message: string) => new HttpProblem(400, message);

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw problem(`The '${field}' field must be valid JSON`);
  }
}

/** The container holding the last segment of `segments`, or a refusal naming `path`. */
function parentOf(operations: JsonObject, segments: string[], path: string): JsonObject | unknown[] {
  let current: unknown = operations;
  for (const segment of segments.slice(0, -1)) {
    current = childOf(current, segment);
    if (current === undefined) throw problem(`The map path '${path}' does not exist in the operation`);
  }
  if (!isObject(current) && !Array.isArray(current)) throw problem(`The map path '${path}' does not exist in the operation`);
  return current;
}

function childOf(container: unknown, segment: string): unknown {
  if (Array.isArray(container)) return /^\d+$/.test(segment) ? container[Number(segment)] : undefined;
  if (isObject(container) && Object.hasOwn(container, segment)) return container[segment];
  return undefined;
}

function checkPath(operations: JsonObject, path: unknown, field: string): string[] {
  if (typeof path !== "string") throw problem(`The map entry for '${field}' must be an array of paths`);
  const segments = path.split(".");
  if (segments.length < 2 || segments.length > MAX_PATH_SEGMENTS || segments[0] !== "variables") {
    throw problem(`The map path '${path}' must point into the operation's variables (e.g. 'variables.file')`);
  }
  // Guards the assignment in withPlaceholders against prototype tricks.
  if (segments.some((s) => s === "" || s === "__proto__" || s === "constructor" || s === "prototype")) {
    throw problem(`The map path '${path}' is not a valid path`);
  }
  const last = segments.at(-1)!;
  if (childOf(parentOf(operations, segments, path), last) !== null) {
    throw problem(`The map path '${path}' must name a variable of the operation whose value is null`);
  }
  return segments;
}

/**
 * Whether `operations` selects a subscription. A document that does not parse is left to the
 * GraphQL server, which says what is wrong with it; the token bound here is looser than the
 * server's (`maxTokens`), so every document the server would run is read here too.
 */
function isSubscription(operations: JsonObject, maxTokens: number): boolean {
  if (typeof operations.query !== "string") return false;
  const name = typeof operations.operationName === "string" ? operations.operationName : null;
  try {
    return getOperationAST(parse(operations.query, { noLocation: true, maxTokens: 2 * maxTokens + 100 }), name)?.operation === "subscription";
  } catch {
    return false;
  }
}

/**
 * Parses and cross-checks the `operations` and `map` fields; at most `maxFiles` files may be
 * mapped; `maxTokens` is the GraphQL server's token limit.
 * @throws HttpProblem 400 with a message naming what is wrong.
 */
export function multipartOperations(operationsText: string, mapText: string, maxFiles: number, maxTokens = 2000): MultipartOperations {
  const operations = parseJson(operationsText, "operations");
  if (Array.isArray(operations)) throw problem("Batched operations are not supported: send one operation per request");
  if (!isObject(operations)) throw problem("The 'operations' field must be a JSON object");
  if (isSubscription(operations, maxTokens)) {
    throw problem("Subscriptions cannot be sent as multipart requests: use GraphQL over SSE or WebSocket");
  }
  if (operations.variables !== undefined && operations.variables !== null && !isObject(operations.variables)) {
    throw problem("The operation's 'variables' must be a JSON object");
  }
  const map = parseJson(mapText, "map");
  if (!isObject(map)) throw problem(`The 'map' field must be a JSON object like {"0": ["variables.file"]}`);
  const entries = Object.entries(map);
  if (entries.length > maxFiles) throw problem(`Too many files in the map: at most ${maxFiles} per request`);

  const paths = new Map<string, string[][]>();
  for (const [field, list] of entries) {
    if (!FILE_FIELD.test(field) || RESERVED_FIELDS.has(field)) {
      throw problem(`'${field.slice(0, 100)}' is not a valid file field name (letters, digits, '_', '-', '.', at most 100)`);
    }
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PATHS_PER_FILE) {
      throw problem(`The map entry for '${field}' must be an array of 1 to ${MAX_PATHS_PER_FILE} paths`);
    }
    paths.set(field, list.map((path) => checkPath(operations, path, field)));
  }
  const seen = new Set<string>();
  for (const list of paths.values()) {
    for (const segments of list) {
      const key = segments.join(".");
      if (seen.has(key)) throw problem(`The map path '${key}' is given more than once`);
      seen.add(key);
    }
  }

  return {
    fileFields: [...paths.keys()],
    withPlaceholders(placeholders) {
      const copy = structuredClone(operations);
      for (const [field, list] of paths) {
        const placeholder = placeholders.get(field);
        if (placeholder === undefined) throw problem(`The file '${field}' named in the map was not sent`);
        for (const segments of list) {
          const parent = parentOf(copy, segments, segments.join("."));
          const last = segments.at(-1)!;
          if (Array.isArray(parent)) parent[Number(last)] = placeholder;
          else parent[last] = placeholder;
        }
      }
      return copy;
    },
  };
}
