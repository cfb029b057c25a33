/**
 * Whether a request reads nothing that depends on who is asking: it selects only introspection
 * (`{ __typename }`, GraphiQL's and codegen's `__schema` queries) and the generator list
 * (`generators`, which every client loads first), so it needs no viewer looked up in the
 * database (its token is still verified). Any doubt answers false and the request is
 * authenticated as usual: no query text, a syntax error, a fragment, a long document, or a cost
 * estimate of given inputs (`estimatedCost(inputParams:)`, whose inputs may name the caller's
 * generations).
 */
import { Kind, parse, type DocumentNode, type SelectionSetNode } from "graphql";

const INTROSPECTION_FIELDS = new Set(["__typename", "__schema", "__type"]);
/** Root fields that read neither the viewer nor anything the viewer may or may not see. */
const VIEWER_FREE_FIELDS = new Set([...INTROSPECTION_FIELDS, "generators"]);
/** GraphiQL's introspection query is about 3 KB; longer documents are not worth parsing twice. */
const MAX_LENGTH = 8 * 1024;

/** No fragments anywhere, and no `estimatedCost` given inputs. */
function plainSelections(selectionSet: SelectionSetNode | undefined): boolean {
  if (!selectionSet) return true;
  return selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && !(s.name.value === "estimatedCost" && (s.arguments?.length ?? 0) > 0) && plainSelections(s.selectionSet),
  );
}

export function needsNoViewer(params: { query?: unknown; operationName?: unknown } | undefined): boolean {
  const query = params?.query;
  if (typeof query !== "string" || query.length > MAX_LENGTH || !(query.includes("__") || query.includes("generators"))) return false;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0 || document.definitions.length !== operations.length) return false;
  return operations.every(
    (op) =>
      op.operation === "query" &&
      op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && VIEWER_FREE_FIELDS.has(s.name.value)) &&
      plainSelections(op.selectionSet),
  );
}
