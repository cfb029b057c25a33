/**
 * The container files, checked without a container runtime: compose.yaml against the official
 * Compose Specification schema (as shipped by the dclint package), the Dockerfile through the
 * Docker language server's linter, and compose's configuration against what src/env.ts reads.
 * tests/imageCommands.test.ts runs the commands themselves.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLE_NAMES } from "../src/env.js";
import { composeFile, environmentNames, imageCommands, imageServices, projectText, serviceCommand } from "./helpers/deployFiles.js";

const require = createRequire(import.meta.url);

function composeSchemaValidator() {
  const schema = JSON.parse(readFileSync(join(dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json"), "utf8")) as Record<string, unknown>;
  // The schema names draft-07 by an https URI Ajv does not know; draft-07 is Ajv's own default.
  delete schema.$schema;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

describe("compose.yaml", () => {
  const compose = composeFile();

  it("is valid against the Compose Specification schema", () => {
    const valid = composeSchemaValidator();
    expect(valid(compose), JSON.stringify(valid.errors, null, 2)).toBe(true);
  });

  it("sets only variables src/env.ts reads on the services of the image", () => {
    const known = new Set(ENV_VARIABLE_NAMES);
    const unknown = imageServices(compose).flatMap(([name, service]) =>
      environmentNames(service).filter((variable) => !known.has(variable)).map((variable) => `${name}: ${variable}`),
    );
    expect(unknown).toEqual([]);
  });

  it("runs migrations, then API replicas without an in-process worker, and separate workers", () => {
    const image = imageCommands();
    const byCommand = new Map(imageServices(compose).map(([name, service]) => [serviceCommand(service, image).join(" "), name]));
    expect([...byCommand.keys()].sort()).toEqual(
      ["node --import tsx scripts/start.ts setup", "node dist/src/main.js", "node dist/src/worker.js"].sort(),
    );
    const api = compose.services[byCommand.get("node dist/src/main.js")!]!;
    const worker = compose.services[byCommand.get("node dist/src/worker.js")!]!;
    const migrate = byCommand.get("node --import tsx scripts/start.ts setup")!;
    expect((api.environment as Record<string, string>).BOARDS_WORKER_IN_PROCESS).toBe("false");
    for (const service of [api, worker]) {
      expect(service.depends_on).toMatchObject({ [migrate]: { condition: "service_completed_successfully" } });
      expect((service.deploy as { replicas: number }).replicas).toBeGreaterThanOrEqual(2);
    }
    // The image's check probes HTTP; processes without an HTTP port must not inherit it.
    expect(worker.healthcheck?.disable).toBe(true);
    expect(compose.services[migrate]!.healthcheck?.disable).toBe(true);
  });

  it("waits on health only for services that have a healthcheck", () => {
    const image = imageCommands();
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        const dependency = compose.services[target];
        expect(dependency, `${name} depends on missing ${target}`).toBeDefined();
        if (condition !== "service_healthy") continue;
        const own = dependency!.healthcheck;
        const hasCheck = own ? !own.disable && own.test !== undefined : dependency!.build !== undefined && image.healthcheck !== null;
        expect(hasCheck, `${name} waits for ${target} to be healthy, which has no healthcheck`).toBe(true);
      }
    }
  });
});

describe("Dockerfile", () => {
  it("passes the Docker language server's linter", () => {
    const problems = validate(projectText("Dockerfile")).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it("runs the API by default, in exec form, with a healthcheck", () => {
    const image = imageCommands();
    expect(image.entrypoint).toEqual([]);
    expect(image.cmd).toEqual(["node", "dist/src/main.js"]);
    expect(image.healthcheck?.[0]).toBe("node");
  });
});
