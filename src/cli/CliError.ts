/**
 * A failure the CLI reports in one line, with its exit status: 1 for a failure (database
 * unreachable, API error, a job that cannot be changed), 2 for a usage error (bad arguments).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A command used wrongly (exit status 2). */
export const usageError = (message: string) => new CliError(message, 2);
