/** `boards generators list`: the generators this configuration registers, as the API lists them. */
import { pino } from "pino";
import { GeneratorConfigError, loadGenerators } from "../../generators/loadGenerators.js";
import { createProviderAdapters } from "../../providers/createProviderAdapters.js";
import { listGenerators } from "../../services/generators.js";
import { CliError } from "../CliError.js";
import { readCliEnv } from "../cliContext.js";
import { printJson, printTable, shorten } from "../output.js";

/** Prints the generators the API lists (provider generators only with their key); with `json`, each with the JSON Schema of its inputs. */
export async function generatorsList(options: { json?: boolean }): Promise<void> {
  const env = readCliEnv();
  const logger = pino({ level: env.logLevel === "silent" ? "silent" : "warn" }, pino.destination(2));
  const registry = await loadGenerators(env.generatorsConfigPath, logger).catch((error: unknown) => {
    if (error instanceof GeneratorConfigError) throw new CliError(error.message);
    throw error;
  });
  const generators = listGenerators({ generators: registry, providers: createProviderAdapters(env.providers) }, null);
  if (options.json) {
    printJson(generators);
    return;
  }
  printTable(
    generators,
    [
      { header: "name", value: (g) => g.name },
      { header: "type", value: (g) => g.artifactType },
      { header: "description", value: (g) => shorten(g.description, 80) },
    ],
    "No generators registered.",
  );
}
