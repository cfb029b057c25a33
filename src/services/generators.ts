/** Listing generators with the JSON Schema of their inputs (the shape the Boards client parses). */
import { z } from "zod";
import type { ServiceContext } from "../context.js";
import type { ArtifactType } from "../generated/prisma/client.js";
import { isDeclared, type AnyGenerator, type Generator, type GeneratorArtifactType } from "../generators/Generator.js";

export type GeneratorInfo = { name: string; description: string; artifactType: ArtifactType; inputSchema: unknown };

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
 * `generators(artifactType)`: every registered generator, or those of one type given as the
 * lowercase string Boards uses (`"image"`); an unknown type lists nothing.
 */
export function listGenerators(ctx: Pick<ServiceContext, "generators">, artifactType: string | null | undefined): GeneratorInfo[] {
  const type = artifactType?.toLowerCase() as GeneratorArtifactType | undefined;
  return ctx.generators
    .list()
    .filter((g) => !type || g.artifactType === type)
    .map((g) => ({
      name: g.name,
      description: g.description,
      artifactType: g.artifactType.toUpperCase() as ArtifactType,
      inputSchema: inputJsonSchema(g),
    }));
}
