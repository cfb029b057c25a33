import { inject } from "vitest";
import { launchServer, type TestServer } from "./launch.js";

export { TEST_JWT_SECRET, type GqlResult, type RequestOptions, type TestServer } from "./launch.js";

/**
 * Starts the real API on a random port against this test run's database; `env` overrides
 * BOARDS_* variables (default: jwt auth with the test secret, no Redis).
 */
export function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  return launchServer(inject("databaseUrl"), env);
}
