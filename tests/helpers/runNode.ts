/** Runs a Node script to its end, for suites that drive a command line as a user would. */
import { spawn } from "node:child_process";

/** How a run ended: its exit code and everything it printed. */
export type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `node args…` in `cwd` with exactly `env`, collecting its output. */
export function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
