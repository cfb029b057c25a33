import { spawn } from "node:child_process";

/** Runs a Node script quietly; its output is printed only if it fails (in the error's message). */
export function runQuietly(args: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`${args.join(" ")} failed (exit ${code}):\n${output}`))));
  });
}
