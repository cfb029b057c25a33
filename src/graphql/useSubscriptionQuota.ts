/**
 * Envelop plugin holding each signed-in user's GraphQL subscriptions (over WebSocket and SSE
 * alike) to the per-user quota: a subscription takes a place when it starts and gives it back
 * when its stream ends however it ends (completed, cancelled by the client, failed, or refused at
 * subscribe time). Over the quota, the subscription is answered with TOO_MANY_SUBSCRIPTIONS.
 * Anonymous subscribers have no account to count against: the per-connection cap bounds them
 * (see http/websocket.ts).
 */
import { GraphQLError } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { AppContext } from "../context.js";
import type { SubscriptionQuota } from "../lib/SubscriptionQuota.js";

/** `source`, calling `release` once when it ends, fails, or is returned or thrown into. */
export function releasing<T>(source: AsyncIterable<T>, release: () => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  // Not an async generator function: a generator's return() waits for a pending next(), and a
  // subscription's next() waits for the next event, so leaving would hang until one came.
  const wrapped: AsyncGenerator<T> = {
    [Symbol.asyncIterator]: () => wrapped,
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) release();
        return result;
      } catch (error) {
        release();
        throw error;
      }
    },
    async return(value) {
      release();
      return iterator.return ? iterator.return(value) : { done: true, value: value as T };
    },
    async throw(error: unknown) {
      release();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
  return wrapped;
}

/** Must come after every plugin that may answer a subscription itself (it then takes no place). */
export function useSubscriptionQuota(quota: SubscriptionQuota): Plugin<AppContext> {
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn, setResultAndStopExecution }) {
      const user = (args.contextValue as Partial<AppContext>).viewer?.user?.id;
      if (!user) return;
      const release = quota.acquire(user);
      if (!release) {
        setResultAndStopExecution({
          errors: [new GraphQLError(quota.refusal, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: quota.limit } })],
        });
        return;
      }
      setSubscribeFn(async (subscribeArgs) => {
        let result: Awaited<ReturnType<typeof subscribeFn>>;
        try {
          result = await subscribeFn(subscribeArgs);
        } catch (error) {
          release();
          throw error;
        }
        if (!isAsyncIterable(result)) {
          release();
          return result;
        }
        return releasing(result, release);
      });
    },
  };
}
