import { inject } from "vitest";
import { launchServer, type LaunchOptions, type TestServer } from "./launch.js";

export { TEST_JWT_SECRET, type GqlResult, type LaunchOptions, type RequestOptions, type TestServer } from "./launch.js";

/**
 * Starts the real API on a random port against this test run's database; `env` overrides
 * BOARDS_* variables (default: jwt auth with the test secret, no Redis).
 */
export function startServer(env: Record<string, string> = {}, options: LaunchOptions = {}): Promise<TestServer> {
  return launchServer(inject("databaseUrl"), env, options);
}
