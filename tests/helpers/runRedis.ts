import { inject } from "vitest";

/**
 * The run's Redis for a suite that needs one (see testRedis.ts): its URL, or null when the run
 * has none, and the suite's title, which then says why the suite is skipped. Use it as
 * `describe.skipIf(!redis.url)(redis.title, …)`.
 */
export function needsRedis(title: string): { url: string | null; title: string } {
  const url = inject("redisUrl");
  return { url, title: url ? title : `${title} (skipped, needs Redis: ${inject("redisMissing") ?? "none configured"})` };
}
