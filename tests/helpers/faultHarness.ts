/**
 * Shared pieces of the cancellation and fault suites: a database of their own (so no other
 * suite's worker takes their jobs, and their workers take no one else's), a generators config
 * with the flaky test generator, bounded polling, reads of generation and job rows, recording
 * of bus events, and the files in a storage directory.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { expect } from "vitest";
import type { GenerationEvent, EventBus } from "../../src/events.js";
import type { Generation } from "../../src/generated/prisma/client.js";
import { readFlakyRecord, type FlakyRecord } from "../fixtures/generators/flakyText.js";
import type { Actor } from "./actors.js";
import type { ThrowawayDatabase } from "./database.js";
import { privateDatabase } from "./privateDatabase.js";
import type { TestServer } from "./server.js";

export const FLAKY = "flaky-text";

/** A freshly migrated database for one suite (see privateDatabase.ts for why). */
export function suiteDatabase(label: string): Promise<ThrowawayDatabase> {
  return privateDatabase(label);
}

export type FaultWorkspace = {
  /** Directory of everything below; removed by `dispose`. */
  dir: string;
  /** BOARDS_GENERATORS_CONFIG_PATH: the built-ins plus the flaky test generator. */
  configPath: string;
  /** Where the flaky generator records its runs. */
  stateDir: string;
  /** A storage directory that several servers and worker processes can share. */
  storageDir: string;
  /** What the flaky generator recorded for a generation (null: it never ran). */
  record(generationId: string): FlakyRecord | null;
  dispose(): Promise<void>;
};

export async function faultWorkspace(): Promise<FaultWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), "boards-faults-"));
  const stateDir = join(dir, "state");
  const storageDir = join(dir, "storage");
  const configPath = join(dir, "generators.json");
  const config = {
    strict_mode: true,
    include_builtins: true,
    generators: [
      {
        module: fileURLToPath(new URL("../fixtures/generators/flakyText.ts", import.meta.url)),
        export: "default",
        options: { state_dir: stateDir },
      },
    ],
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));
  return {
    dir,
    configPath,
    stateDir,
    storageDir,
    record: (id) => readFlakyRecord(stateDir, id),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads until `done` holds, at most `tries` times `intervalMs` apart; returns the last value,
 * or fails with it.
 */
export async function pollUntil<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { tries = 100, intervalMs = 100, what = "condition" }: { tries?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  let value = await read();
  for (let i = 1; i < tries && !done(value); i++) {
    await sleep(intervalMs);
    value = await read();
  }
  if (!done(value)) throw new Error(`gave up waiting for ${what} after ${tries} tries; last value: ${JSON.stringify(value)}`);
  return value;
}

export type SubmitInput = { boardId: string; generatorName: string; artifactType: string; inputParams: Record<string, unknown> };

export type SubmittedGeneration = { id: string; status: string; progress: number; startedAt: string | null };

/** createGeneration through the API (must succeed). */
export async function submit(actor: Actor, input: SubmitInput): Promise<SubmittedGeneration> {
  const data = await actor.ok<{ createGeneration: SubmittedGeneration }>(
    `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { id status progress startedAt } }`,
    { input },
  );
  expect(data.createGeneration.status).toBe("PENDING");
  return data.createGeneration;
}

/** A flaky-text generation with these inputs. */
export function submitFlaky(actor: Actor, boardId: string, inputParams: Record<string, unknown>): Promise<SubmittedGeneration> {
  return submit(actor, { boardId, generatorName: FLAKY, artifactType: "TEXT", inputParams: { prompt: "flaky", ...inputParams } });
}

export function generationRow(server: Pick<TestServer, "prisma">, id: string): Promise<Generation> {
  return server.prisma.generation.findUniqueOrThrow({ where: { id } });
}

/** Polls the row until it has one of `statuses`. */
export function waitForStatus(server: Pick<TestServer, "prisma">, id: string, statuses: string[], tries = 100): Promise<Generation> {
  return pollUntil(
    () => generationRow(server, id),
    (row) => statuses.includes(row.status),
    { tries, what: `generation ${id} to be ${statuses.join("/")}` },
  );
}

export type JobRow = {
  id: string;
  key: string | null;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_at: Date | null;
  locked_by: string | null;
  run_at: Date;
};

/** The graphile-worker jobs of a generation: by key, or by payload once a running job lost its key. */
export async function jobsOf(pool: pg.Pool, generationId: string): Promise<JobRow[]> {
  const { rows } = await pool.query<JobRow>(
    `SELECT id::text, key, attempts, max_attempts, last_error, locked_at, locked_by, run_at
       FROM graphile_worker._private_jobs
      WHERE key = 'generation:' || $1::text OR payload->>'generationId' = $1::text`,
    [generationId],
  );
  return rows;
}

/** Rows of graphile_worker.jobs (the public view) with the generation's job key. */
export async function jobsByKey(pool: pg.Pool, generationId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = $1`, [
    `generation:${generationId}`,
  ]);
  return rows[0]!.n;
}

export type EventLog = { events: GenerationEvent[]; stop(): void };

/** Records every event published for one generation on `bus`, from now on. */
export async function recordEvents(bus: EventBus, generationId: string): Promise<EventLog> {
  const subscription = await bus.subscribe("generation", generationId);
  const events: GenerationEvent[] = [];
  void (async () => {
    for await (const event of subscription.events) events.push(event);
  })();
  return { events, stop: () => subscription.close() };
}

export type LifecycleView = { status: string; progress: number; startedAt: Date | string | null; completedAt: Date | string | null };

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * Invariants of a sequence of observations of one generation (events in publication order, or
 * repeated reads): progress never decreases, startedAt is set once and never changes, and once
 * terminal nothing changes any more.
 */
export function expectConsistentLifecycle(observations: LifecycleView[]): void {
  const progress = observations.map((o) => o.progress);
  for (let i = 1; i < progress.length; i++) {
    expect(progress[i]!, `progress went backwards: ${JSON.stringify(progress)}`).toBeGreaterThanOrEqual(progress[i - 1]!);
  }
  const started = [...new Set(observations.map((o) => iso(o.startedAt)).filter((s) => s !== null))];
  expect(started.length, `startedAt changed: ${JSON.stringify(started)}`).toBeLessThanOrEqual(1);
  const firstTerminal = observations.findIndex((o) => TERMINAL.has(o.status));
  if (firstTerminal >= 0) {
    const terminal = observations[firstTerminal]!;
    expect(terminal.completedAt, "completedAt of a terminal state").not.toBeNull();
    for (const later of observations.slice(firstTerminal + 1)) {
      expect({ status: later.status, completedAt: iso(later.completedAt), progress: later.progress }).toEqual({
        status: terminal.status,
        completedAt: iso(terminal.completedAt),
        progress: terminal.progress,
      });
    }
  }
}

/** Every file below `dir` (relative paths); none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    if ((await stat(join(dir, entry))).isFile()) files.push(entry);
  }
  return files.sort();
}
