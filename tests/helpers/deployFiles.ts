/**
 * Reads the container files (Dockerfile, compose.yaml) the way Docker and Compose read them, so
 * tests check and run exactly what an image runs: the final stage's ENTRYPOINT, CMD and
 * HEALTHCHECK, and each compose service's `command:` on the image built from this repository.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { parse } from "yaml";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A file of the project, as text. */
export function projectText(name: string): string {
  return readFileSync(`${projectRoot}${name}`, "utf8");
}

export type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { disable?: boolean; test?: string[] | string };
  [key: string]: unknown;
};

export type ComposeFile = { services: Record<string, ComposeService>; [key: string]: unknown };

/** compose.yaml with YAML merge keys (`<<: *anchor`) applied, as Compose applies them. */
export function composeFile(): ComposeFile {
  return parse(projectText("compose.yaml"), { merge: true }) as ComposeFile;
}

/** Exec-form (JSON) arguments of an instruction; shell form is refused, as it needs a shell. */
function execForm(instruction: Instruction, text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`${instruction.getKeyword()} is not in exec form: ${text}`);
  }
  return parsed as string[];
}

export type ImageCommands = {
  entrypoint: string[];
  cmd: string[];
  /** HEALTHCHECK's command, or null without one. */
  healthcheck: string[] | null;
};

/** ENTRYPOINT, CMD and HEALTHCHECK of the Dockerfile's last stage (the image that is run). */
export function imageCommands(): ImageCommands {
  const dockerfile = DockerfileParser.parse(projectText("Dockerfile"));
  const stages = dockerfile.getFROMs();
  const lastStage = stages[stages.length - 1];
  if (!lastStage) throw new Error("Dockerfile has no FROM");
  const startLine = lastStage.getRange().start.line;
  const result: ImageCommands = { entrypoint: [], cmd: [], healthcheck: null };
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getRange().start.line < startLine) continue;
    const args = instruction.getArgumentsContent() ?? "";
    const keyword = instruction.getKeyword();
    if (keyword === "CMD") result.cmd = execForm(instruction, args);
    if (keyword === "ENTRYPOINT") result.entrypoint = execForm(instruction, args);
    if (keyword === "HEALTHCHECK") {
      const at = args.search(/(^|\s)CMD\s/);
      result.healthcheck = at < 0 ? null : execForm(instruction, args.slice(args.indexOf("CMD", at) + 3).trim());
    }
  }
  return result;
}

/** The services that run the image built from this repository (they have a `build:`). */
export function imageServices(compose: ComposeFile = composeFile()): Array<[string, ComposeService]> {
  return Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
}

/** The command a service of the image runs: its entrypoint and command, else the image's. */
export function serviceCommand(service: ComposeService, image: ImageCommands = imageCommands()): string[] {
  const list = (value: string[] | string | undefined) => (typeof value === "string" ? value.split(/\s+/) : value);
  const entrypoint = list(service.entrypoint) ?? image.entrypoint;
  // As in Docker, an entrypoint set by the service drops the image's CMD.
  const cmd = list(service.command) ?? (service.entrypoint !== undefined ? [] : image.cmd);
  return [...entrypoint, ...cmd];
}

/** Environment variable names a service sets (map or `KEY=value` list form). */
export function environmentNames(service: ComposeService): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((entry) => entry.split("=")[0] ?? "") : Object.keys(env);
}
