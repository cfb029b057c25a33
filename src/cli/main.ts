/**
 * The `boards` command line (bin/boards.js runs it): the API and worker processes, database
 * set-up, tenants, credits, the job queue, generators, and submitting a generation to a running API.
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
import { Command, CommanderError, Option } from "commander";
import { GraphQLError } from "graphql";
import { CliError } from "./CliError.js";
import { creditsGrant, creditsShow } from "./commands/credits.js";
import { migrate, seed } from "./commands/database.js";
import { generate } from "./commands/generate.js";
import { generatorsList } from "./commands/generators.js";
import { jobsCancel, jobsFailed, jobsList, jobsRetry } from "./commands/jobs.js";
import { serve, worker } from "./commands/processes.js";
import { tenantsCreate, tenantsList } from "./commands/tenants.js";

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`expected a positive integer, got '${value}'`, 2);
  return n;
}

/** The command tree; `longRunning` is set when a command leaves a server or worker running. */
function buildProgram(state: { longRunning: boolean }): Command {
  const program = new Command("boards")
    .description("Operate a boards-server deployment: processes, database, tenants, credits, jobs, generators.")
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError()
    .exitOverride();
  const json = () => new Option("--json", "print JSON for scripts");

  program
    .command("serve")
    .description("serve the API (compiled; with the job worker unless BOARDS_WORKER_IN_PROCESS=false)")
    .action(async () => {
      state.longRunning = true;
      await serve();
    });
  program
    .command("worker")
    .description("run a job worker process (compiled)")
    .option("--concurrency <n>", "jobs run at once (default BOARDS_WORKER_CONCURRENCY)")
    .action(async (options: { concurrency?: string }) => {
      state.longRunning = true;
      await worker(options);
    });
  program.command("migrate").description("apply pending database migrations").addOption(json()).action(migrate);
  program.command("seed").description("create the default tenant when it is missing").addOption(json()).action(seed);

  const tenants = program.command("tenants").description("list or create tenants");
  tenants.command("list").description("list tenants, newest first").addOption(json()).action(tenantsList);
  tenants
    .command("create")
    .description("create a tenant (an existing slug is left as it is)")
    .requiredOption("--slug <slug>", "lowercase letters, digits and hyphens")
    .requiredOption("--name <name>", "display name")
    .addOption(json())
    .action(tenantsCreate);

  const credits = program.command("credits").description("grant credits and show accounts (BOARDS_CREDITS_MODE user or tenant)");
  const account = (command: Command) =>
    command
      .requiredOption("--tenant <slug>", "the tenant")
      .option("--user <id or email>", "the user whose account it is (user mode only)")
      .addOption(json());
  account(credits.command("grant").description("grant credits, or correct them with --adjust (may be negative)"))
    .requiredOption("--amount <n>", "credits, at most six decimals")
    .option("--description <text>", "why, kept in the ledger")
    .option("--adjust", "a correction rather than a grant")
    .action(creditsGrant);
  account(credits.command("show").description("an account's balance, reserved and available credits and its latest transactions"))
    .addOption(new Option("--limit <n>", "at most this many transactions").default(10).argParser(positiveInt))
    .action(creditsShow);

  const jobs = program.command("jobs").description("inspect and manage the job queue (graphile-worker)");
  const listOptions = (command: Command) =>
    command
      .option("--task <identifier>", "only jobs of this task (run_generation, delete_stored_objects, cancel_at_provider)")
      .addOption(new Option("--limit <n>", "at most this many jobs").default(100).argParser(positiveInt))
      .addOption(json());
  listOptions(jobs.command("list").description("list queued, scheduled, running and failed jobs")).action(jobsList);
  listOptions(jobs.command("failed").description("list jobs whose last attempt failed (retrying, or out of attempts)")).action(jobsFailed);
  jobs
    .command("retry")
    .description("run a job again now, its attempts reset")
    .argument("<id>", "job id")
    .addOption(json())
    .action(jobsRetry);
  jobs
    .command("cancel")
    .description("remove a job; a generation's job cancels the generation")
    .argument("<id>", "job id")
    .addOption(json())
    .action(jobsCancel);

  program
    .command("generators")
    .description("generators of this configuration")
    .command("list")
    .description("list registered generators (--json includes their input schemas)")
    .addOption(json())
    .action(generatorsList);

  program
    .command("generate")
    .description("submit a generation to a running API, show its progress, print the output URL")
    .requiredOption("--api <url>", "the API's base URL, e.g. http://localhost:8088")
    .addOption(new Option("--token <token>", "bearer token (default: BOARDS_API_TOKEN)").env("BOARDS_API_TOKEN"))
    .option("--tenant <slug>", "X-Tenant to act in")
    .requiredOption("--board <id>", "board to put the generation on")
    .requiredOption("--generator <name>", "generator name (see `boards generators list`)")
    .option("--input <key=value>", "an input; the value is parsed as JSON when it parses, else taken as text (repeatable)", collect, [])
    .addOption(json())
    .action(generate);

  return program;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version are answers, not errors.
    return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
  }
  if (error instanceof CliError) return error.exitCode;
  return 1;
}

function report(error: unknown): void {
  if (error instanceof CommanderError) return; // commander has already printed it
  if (error instanceof CliError) process.stderr.write(`boards: ${error.message}\n`);
  else if (error instanceof GraphQLError) process.stderr.write(`boards: ${error.message}\n`);
  else process.stderr.write(`boards: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

/** Runs the command line `argv` (as process.argv: node, script, arguments…). */
export async function main(argv: readonly string[]): Promise<void> {
  const state = { longRunning: false };
  const program = buildProgram(state);
  let code = 0;
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      code = 2;
    } else {
      await program.parseAsync([...argv]);
    }
  } catch (error) {
    report(error);
    code = exitCodeOf(error);
  }
  if (state.longRunning && code === 0) return;
  // A command may leave a connection's timers behind; the answer is complete, so end now
  // (stdout and stderr to files and pipes are written synchronously).
  process.exit(code);
}
