/** Listing generators with the JSON Schema of their inputs (the shape the Boards client parses). */
import { z } from "zod";
import type { ServiceContext } from "../context.js";
import { failedPrecondition } from "../errors.js";
import type { ArtifactType } from "../generated/prisma/client.js";
import { isDeclared, type AnyGenerator, type Generator, type GeneratorArtifactType } from "../generators/Generator.js";
import { PROVIDER_KEY_VARIABLES } from "../providers/ProviderAdapter.js";

/** A listed generator; `generator` itself is kept for the fields computed from it (`estimatedCost`). */
export type GeneratorInfo = { name: string; description: string; artifactType: ArtifactType; inputSchema: unknown; generator: AnyGenerator };

const schemaCache = new WeakMap<Generator, unknown>();

/**
 * JSON Schema of a generator's inputs: artifact fields as `$ref` to `#/$defs/<Type>Artifact`.
 * A declared generator's schema is served verbatim (Boards' own, for its generators).
 */
export function inputJsonSchema(generator: AnyGenerator): unknown {
  return isDeclared(generator) ? generator.declaration.inputSchema : codeInputSchema(generator);
}

function codeInputSchema(generator: Generator): unknown {
  let schema = schemaCache.get(generator);
  if (!schema) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(generator.inputSchema, { io: "input", unrepresentable: "any" });
    schema = rest;
    schemaCache.set(generator, schema);
  }
  return schema;
}

/**
 * True when the generator can run here: a code generator always, a provider generator when its
 * provider has a key (an adapter).
 */
export function isConfigured(generator: AnyGenerator, providers: ServiceContext["providers"]): boolean {
  return !isDeclared(generator) || providers[generator.declaration.provider] !== undefined;
}

/**
 * Refuses a provider generator whose provider has no key, naming the variable to set (never a value).
 * @throws FAILED_PRECONDITION
 */
export function requireConfigured(generator: AnyGenerator, providers: ServiceContext["providers"]): void {
  if (isConfigured(generator, providers) || !isDeclared(generator)) return;
  const provider = generator.declaration.provider;
  throw failedPrecondition(
    `Generator '${generator.name}' runs at ${provider}, which is not configured: set ${PROVIDER_KEY_VARIABLES[provider]} (or BOARDS_GENERATOR_API_KEYS)`,
  );
}

/**
 * `generators(artifactType)`: the registered generators that can run here (provider generators
 * only when their provider has a key, unless the config says `list_unconfigured`), or those of one
 * type given as the lowercase string Boards uses (`"image"`); an unknown type lists nothing.
 */
export function listGenerators(ctx: Pick<ServiceContext, "generators" | "providers">, artifactType: string | null | undefined): GeneratorInfo[] {
  const type = artifactType?.toLowerCase() as GeneratorArtifactType | undefined;
  const everything = ctx.generators.listUnconfigured;
  return ctx.generators
    .list()
    .filter((g) => (!type || g.artifactType === type) && (everything || isConfigured(g, ctx.providers)))
    .map((g) => ({
      name: g.name,
      description: g.description,
      artifactType: g.artifactType.toUpperCase() as ArtifactType,
      inputSchema: inputJsonSchema(g),
      generator: g,
    }));
}
