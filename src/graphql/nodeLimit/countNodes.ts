/**
 * Counts the nodes an operation could return, as GitHub's GraphQL API does: each connection or
 * list field multiplies its children by its page size, and the total is the sum over every list
 * level of the product of page sizes down to it. Runs on the document alone, before any SQL.
 */
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isAbstractType,
  valueFromAST,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/** Page size of a connection field given neither `first`, `last` nor `limit` (schema: default 20). */
export const CONNECTION_DEFAULT_PAGE = 20;
/** Rows assumed for a list of objects with no page-size argument (e.g. a generation's tags). */
export const UNBOUNDED_LIST_PAGE = 10;
const PAGE_ARGS = ["first", "last", "limit"] as const;

/**
 * Nodes the operation could return at most. Page sizes come from `first`/`last`/`limit` (variables
 * resolved), else the argument's schema default, else the fallbacks above. Introspection fields
 * (`__schema`, `__type`) are not counted.
 */
export function countNodes(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const walk = (set: SelectionSetNode, type: GraphQLNamedType, multiplier: number, seen: Set<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === "FragmentSpread") {
        const frag = fragments[sel.name.value];
        if (!frag || seen.has(frag.name.value)) continue;
        const fragType = schema.getType(frag.typeCondition.name.value) ?? type;
        total += walk(frag.selectionSet, fragType, multiplier, new Set([...seen, frag.name.value]));
      } else if (sel.kind === "InlineFragment") {
        const inlineType = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) ?? type) : type;
        total += walk(sel.selectionSet, inlineType, multiplier, seen);
      } else {
        const name = sel.name.value;
        if (name.startsWith("__") || !sel.selectionSet) continue;
        const field = fieldOf(type, name);
        if (!field) continue;
        const page = pageSize(field, type, sel.arguments ?? [], variables);
        const inner = multiplier * page;
        if (page !== 1) total += inner;
        total += walk(sel.selectionSet, getNamedType(field.type), inner, seen);
      }
    }
    return total;
  };

  return walk(operation.selectionSet, root, 1, new Set());
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(type) || isAbstractType(type) || "getFields" in type) {
    const fields = (type as { getFields?: () => Record<string, GraphQLField<unknown, unknown>> }).getFields?.();
    return fields?.[name];
  }
  return undefined;
}

/**
 * The multiplier of one field: 1 for a single object, and for the `edges`/`nodes` lists inside a
 * connection (the connection field itself already counted the page).
 */
function pageSize(
  field: GraphQLField<unknown, unknown>,
  parent: GraphQLNamedType,
  args: readonly { name: { value: string }; value: import("graphql").ValueNode }[],
  variables: Record<string, unknown>,
): number {
  const connection = getNamedType(field.type).name.endsWith("Connection");
  const list = isListType(getNullableType(field.type));
  if (!connection && (!list || parent.name.endsWith("Connection"))) return 1;
  for (const argName of PAGE_ARGS) {
    const def = field.args.find((a) => a.name === argName);
    if (!def) continue;
    const node = args.find((a) => a.name.value === argName);
    const value = node ? valueFromAST(node.value, def.type, variables) : def.defaultValue;
    if (typeof value === "number" && value >= 0) return value;
  }
  return connection ? CONNECTION_DEFAULT_PAGE : UNBOUNDED_LIST_PAGE;
}
