/**
 * Yoga plugin recording each GraphQL operation (over HTTP, SSE and WebSocket alike): how many,
 * how long, with which outcome and error codes, and the live subscriptions it holds open. It
 * also tells the request log which operation a request ran (see app.ts).
 *
 * An operation is followed from parse to its result, keyed by its Fetch `Request` (Yoga's for
 * HTTP, the one websocket.ts builds per WebSocket operation). Whatever stage ends it (a parse or
 * validation error, a refused context, execution), it is counted once.
 */
import { getOperationAST, type DocumentNode, type GraphQLError } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { releasing } from "../graphql/useSubscriptionQuota.js";
import { requestStore } from "../requestContext.js";
import { errorCodes, operationNames } from "./labels.js";
import { graphqlErrors, graphqlOperationDuration, graphqlOperations, subscriptionsActive } from "./metrics.js";

/** Set in the initial context of operations that arrive over a WebSocket (websocket.ts). */
export type TransportMark = { graphqlTransport?: "websocket" };

type Tracked = { started: bigint; name: string; type: string; done: boolean };

type OperationContext = TransportMark & { request?: Request; params?: { operationName?: string | null } };

type ErrorLike = Pick<GraphQLError, "extensions"> | Error;

const tracked = new WeakMap<Request, Tracked>();

/** A GraphQL name short enough to log as is. */
const LOGGABLE_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/** `fallback`: the code Yoga gives errors of this stage (after this plugin has seen them). */
function codeOf(error: ErrorLike, fallback: string): string {
  const code = "extensions" in error ? (error.extensions as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === "string" ? errorCodes.label(code) : fallback;
}

function finish(request: Request | undefined, errors: readonly ErrorLike[] | undefined, fallbackCode = "none"): void {
  const entry = request && tracked.get(request);
  if (!entry || entry.done) return;
  entry.done = true;
  const labels = { operation_name: entry.name, operation_type: entry.type };
  graphqlOperations.inc({ ...labels, outcome: errors?.length ? "error" : "ok" });
  graphqlOperationDuration.observe(labels, Number(process.hrtime.bigint() - entry.started) / 1e9);
  for (const error of errors ?? []) graphqlErrors.inc({ operation_name: entry.name, code: codeOf(error, fallbackCode) });
}

function start(context: OperationContext, document: DocumentNode | null): void {
  if (!context.request) return;
  const requested = context.params?.operationName ?? null;
  const operation = document ? getOperationAST(document, requested) : null;
  const name = requested ?? operation?.name?.value ?? null;
  const type = operation?.operation ?? "unknown";
  tracked.set(context.request, { started: process.hrtime.bigint(), name: operationNames.label(name), type, done: false });
  const holder = requestStore.getStore()?.operation;
  if (holder) {
    holder.name = name === null ? "anonymous" : LOGGABLE_NAME.test(name) ? name : "invalid";
    holder.type = type;
  }
}

/** The plugin; first in the list, so it sees operations the other plugins refuse. */
export function useGraphQLMetrics(): Plugin {
  return {
    onParse({ context }) {
      const ctx = context as OperationContext;
      return ({ result }) => {
        if (result instanceof Error) {
          start(ctx, null);
          finish(ctx.request, [result], "GRAPHQL_PARSE_FAILED");
        } else if (result) {
          start(ctx, result);
        }
      };
    },
    onValidate({ context }) {
      return ({ valid, result }) => {
        if (!valid) finish((context as OperationContext).request, result, "GRAPHQL_VALIDATION_FAILED");
      };
    },
    onExecute({ args }) {
      const request = (args.contextValue as OperationContext).request;
      return {
        onExecuteDone({ result }) {
          // Incremental delivery (@defer, @stream): counted as it starts.
          finish(request, isAsyncIterable(result) ? undefined : result.errors);
        },
      };
    },
    onSubscribe({ args }) {
      const ctx = args.contextValue as OperationContext;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return finish(ctx.request, result.errors);
          finish(ctx.request, undefined);
          const labels = { transport: ctx.graphqlTransport ?? "sse" };
          subscriptionsActive.inc(labels);
          // `releasing` may call back more than once (a return after the end): count one end.
          let open = true;
          setResult(
            releasing(result, () => {
              if (open) subscriptionsActive.dec(labels);
              open = false;
            }),
          );
        },
        onSubscribeError({ error }) {
          finish(ctx.request, [error as Error]);
        },
      };
    },
    // What no hook above saw end (a refused context, an answer a plugin gave itself).
    onResultProcess({ request, result }) {
      if (Array.isArray(result) || isAsyncIterable(result)) return finish(request, undefined);
      finish(request, result.errors);
    },
  };
}
