/**
 * A database of a suite's own, next to the run's shared one. Every job worker on a database
 * takes any queued job, so a suite that needs its generations run by its own worker (to see
 * their events, or the files they store) must not share its queue with other suites' workers.
 */
import { inject } from "vitest";
import { createMigratedDatabase, type ThrowawayDatabase } from "./database.js";

/** Creates and migrates `<run database>_<suffix>`; drop it in `afterAll`. */
export function privateDatabase(suffix: string): Promise<ThrowawayDatabase> {
  const shared = new URL(inject("databaseUrl"));
  return createMigratedDatabase(shared.toString(), `${shared.pathname.slice(1)}_${suffix}`);
}
