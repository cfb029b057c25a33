/**
 * Running the Prisma CLI from `npm run migrate:dev` (migrateDev.ts), collecting its output. It
 * always runs from the project directory, where it finds prisma.config.ts (without it the CLI
 * wants native engines, which cannot be downloaded here).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
