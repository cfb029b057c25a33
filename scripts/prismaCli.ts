/**
 * Running the Prisma CLI from the scripts (`npm start`'s migrations, `npm run migrate:dev`). It
 * always runs from the project directory, where it finds prisma.config.ts (without it the CLI
 * wants native engines, which cannot be downloaded here).
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "node_modules", "prisma", "build", "index.js");

export type PrismaResult = { code: number; stdout: string; stderr: string };

/** Runs `prisma <args>` and collects its output (the caller decides what to show). */
export function runPrisma(args: string[], env: NodeJS.ProcessEnv): Promise<PrismaResult> {
  return new Promise((done, fail) => {
    // Prisma's schema engine leaves 10 s timers armed; see the preload.
    const childEnv = { ...env, NODE_OPTIONS: `--require ${join(root, "scripts", "unref-long-timers.cjs")}` };
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("exit", (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** Migration directories of `migrationsDir` not yet recorded as applied (all of them when Prisma's table is absent). */
export async function pendingMigrations(url: string, migrationsDir: string): Promise<string[]> {
  const wanted = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return wanted.filter((name) => !applied.has(name));
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return wanted;
    throw error;
  } finally {
    await client.end();
  }
}
