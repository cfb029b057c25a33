import { EnvError, loadDotEnvFile, loadEnv, type Env } from "./env.js";

/** Reads configuration for a process entry point; prints every problem and exits on failure. */
export function readProcessEnv(): Env {
  try {
    loadDotEnvFile();
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
