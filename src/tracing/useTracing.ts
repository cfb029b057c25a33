/**
 * Envelop plugin tracing GraphQL: one span per operation, `<type> <name>` (e.g. `mutation
 * CreateGeneration`, `query` when anonymous), and one per root field resolved
 * (`graphql.resolve Mutation.createGeneration`), since those are where the services and the
 * database are reached. Nested field resolvers get no span of their own (they read through the
 * DataLoaders, whose batches are traced in loaders.ts). No document text or variables are
 * recorded: they can hold user data. Used only when tracing is on.
 */
import { defaultFieldResolver, getOperationAST, type DocumentNode, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import { withSpan } from "./spans.js";

function operationSpan(document: DocumentNode, operationName: string | null | undefined): { name: string; attributes: Record<string, string> } {
  const operation = getOperationAST(document, operationName);
  const type = operation?.operation ?? "unknown";
  const name = operation?.name?.value;
  return {
    name: name ? `${type} ${name}` : type,
    attributes: { "graphql.operation.type": type, ...(name ? { "graphql.operation.name": name } : {}) },
  };
}

const traced = new WeakSet<GraphQLSchema>();

/** Wraps the resolvers of the root types' fields in spans (once per schema). */
function traceRootFields(schema: GraphQLSchema): void {
  if (traced.has(schema)) return;
  traced.add(schema);
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const spanName = `graphql.resolve ${type.name}.${field.name}`;
      const attributes = { "graphql.field.parent_type": type.name, "graphql.field.name": field.name };
      const wrap = (resolver: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> =>
        (source, args, context, info) => withSpan(spanName, { attributes }, () => resolver(source, args, context, info));
      if (type === schema.getSubscriptionType()) {
        if (field.subscribe) field.subscribe = wrap(field.subscribe);
      } else {
        field.resolve = wrap(field.resolve ?? defaultFieldResolver);
      }
    }
  }
}

/** The plugin; add it only when tracing is on. */
export function useTracing(): Plugin {
  return {
    onSchemaChange({ schema }) {
      traceRootFields(schema);
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const { name, attributes } = operationSpan(args.document, args.operationName);
      setExecuteFn((execArgs) => withSpan(name, { attributes }, () => executeFn(execArgs)));
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const { name, attributes } = operationSpan(args.document, args.operationName);
      setSubscribeFn((subscribeArgs) => withSpan(name, { attributes }, () => subscribeFn(subscribeArgs)));
    },
  };
}
