/**
 * Whether a request selects nothing but introspection (`{ __typename }`, GraphiQL's and codegen's
 * `__schema` queries): those read no data, so the request needs no viewer looked up in the
 * database (its token is still verified). Any doubt — no query text, a syntax error, a document
 * too long to be introspection — answers false, and the request is authenticated as usual.
 */
import { Kind, parse, type DocumentNode } from "graphql";

const INTROSPECTION_FIELDS = new Set(["__typename", "__schema", "__type"]);
/** GraphiQL's introspection query is about 3 KB; longer documents are not worth parsing twice. */
const MAX_LENGTH = 8 * 1024;

export function introspectionOnly(params: { query?: unknown; operationName?: unknown } | undefined): boolean {
  const query = params?.query;
  if (typeof query !== "string" || query.length > MAX_LENGTH || !query.includes("__")) return false;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0 || document.definitions.length !== operations.length) return false;
  return operations.every(
    (op) => op.operation === "query" && op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(s.name.value)),
  );
}
