/**
 * `boards generate`: submits a generation to a running API over GraphQL (HTTP), follows it over
 * the `generationProgress` subscription (graphql-ws), shows its progress, and prints the output
 * file's URL. Exit status 1 when it fails or is cancelled, or when the API refuses.
 */
import { createClient, type Client } from "graphql-ws";
import { CliError, usageError } from "../CliError.js";
import { printJson } from "../output.js";
import { ProgressDisplay } from "../progressDisplay.js";

export type GenerateOptions = {
  api: string;
  token?: string;
  tenant?: string;
  board: string;
  generator: string;
  input: string[];
  json?: boolean;
};

type GenerationState = {
  id: string;
  status: string;
  progress: number;
  storageUrl: string | null;
  thumbnailUrl: string | null;
  errorMessage: string | null;
};

const STATE_FIELDS = "id status progress storageUrl thumbnailUrl errorMessage";
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
/** Subscribing again after an interrupted stream (the API restarted, Redis came back…). */
const RESUBSCRIBE_ATTEMPTS = 5;
const RESUBSCRIBE_PAUSE_MS = 1000;

/** `key=value` pairs as an object; values that parse as JSON are taken as JSON, others as text. */
export function parseInputs(pairs: readonly string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usageError(`--input expects key=value (got '${pair}')`);
    const text = pair.slice(at + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    inputs[pair.slice(0, at)] = value;
  }
  return inputs;
}

function apiUrl(api: string): URL {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw usageError(`--api must be a URL such as http://localhost:8088 (got '${api}')`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(`--api must be an http(s) URL (got '${api}')`);
  // The API's root or its /graphql endpoint.
  if (!url.pathname.endsWith("/graphql")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/graphql`;
  return url;
}

type GraphQLAnswer<T> = { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };

function describeErrors(errors: ReadonlyArray<{ message: string; extensions?: { code?: string } }>): string {
  return errors.map((e) => (e.extensions?.code ? `${e.message} (${e.extensions.code})` : e.message)).join("; ");
}

function credentials(options: GenerateOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.tenant) headers["X-Tenant"] = options.tenant;
  return headers;
}

async function post<T>(endpoint: URL, options: GenerateOptions, query: string, variables: Record<string, unknown>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...credentials(options) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`cannot reach the API at ${endpoint.origin}: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let answer: GraphQLAnswer<T>;
  try {
    answer = JSON.parse(text) as GraphQLAnswer<T>;
  } catch {
    throw new CliError(`the API answered HTTP ${response.status} without GraphQL: ${text.slice(0, 200)}`);
  }
  if (answer.errors?.length) throw new CliError(`the API refused: ${describeErrors(answer.errors)}`);
  if (!answer.data) throw new CliError(`the API answered HTTP ${response.status} without data`);
  return answer.data;
}

/** Follows the generation until a terminal state; resubscribes when the stream is interrupted. */
async function follow(client: Client, id: string, onState: (state: GenerationState, message: string | null) => void): Promise<GenerationState> {
  let last: GenerationState | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const events = client.iterate<{ generationProgress: { message: string | null; generation: GenerationState } }>({
        query: `subscription ($id: UUID!) { generationProgress(id: $id) { message generation { ${STATE_FIELDS} } } }`,
        variables: { id },
      });
      for await (const result of events) {
        if (result.errors?.length) throw new CliError(`the API refused: ${describeErrors(result.errors)}`);
        const event = result.data?.generationProgress;
        if (!event) continue;
        last = event.generation;
        onState(event.generation, event.message);
        if (TERMINAL.has(event.generation.status)) return event.generation;
      }
    } catch (error) {
      const errors = Array.isArray(error) ? (error as Array<{ message: string; extensions?: { code?: string } }>) : null;
      // Access refused (NOT_FOUND, UNAUTHENTICATED…) will not change by trying again.
      if (errors && !errors.every((e) => e.extensions?.code === "SERVICE_UNAVAILABLE")) throw new CliError(`the API refused: ${describeErrors(errors)}`);
      if (error instanceof CliError) throw error;
      if (attempt >= RESUBSCRIBE_ATTEMPTS) {
        const reason = errors ? describeErrors(errors) : error instanceof Error ? error.message : "the connection closed";
        throw new CliError(`lost the progress stream of generation ${id}: ${reason}`);
      }
    }
    // The stream ended before a terminal state: subscribe again, which starts with the current state.
    if (attempt >= RESUBSCRIBE_ATTEMPTS) throw new CliError(`the progress stream of generation ${id} ended early (last status ${last?.status ?? "unknown"})`);
    await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_PAUSE_MS));
  }
}
/** Submits, follows and reports one generation. */
export async function generate(options: GenerateOptions): Promise<void> {
  const endpoint = apiUrl(options.api);
  const inputParams = parseInputs(options.input);

  const { generators } = await post<{ generators: Array<{ name: string; artifactType: string }> }>(
    endpoint,
    options,
    "query { generators { name artifactType } }",
    {},
  );
  const generator = generators.find((g) => g.name === options.generator);
  if (!generator) throw new CliError(`unknown generator '${options.generator}' (the API has: ${generators.map((g) => g.name).join(", ")})`);

  const { createGeneration } = await post<{ createGeneration: GenerationState }>(
    endpoint,
    options,
    `mutation ($input: CreateGenerationInput!) { createGeneration(input: $input) { ${STATE_FIELDS} } }`,
    { input: { boardId: options.board, generatorName: generator.name, artifactType: generator.artifactType, inputParams } },
  );
  process.stderr.write(`generation ${createGeneration.id} submitted\n`);

  const wsUrl = new URL(endpoint);
  wsUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";
  const client = createClient({ url: wsUrl.toString(), connectionParams: credentials(options), retryAttempts: 3, lazy: true });
  const display = new ProgressDisplay();
  let final: GenerationState;
  try {
    final = await follow(client, createGeneration.id, (state, message) => display.update({ ...state, message }));
  } finally {
    display.finish();
    await client.dispose();
  }

  if (options.json) printJson(final);
  if (final.status === "COMPLETED") {
    if (!options.json) process.stdout.write(`${final.storageUrl ?? ""}\n`);
    return;
  }
  throw new CliError(`generation ${final.id} ${final.status.toLowerCase()}: ${final.errorMessage ?? "no reason given"}`);
}
