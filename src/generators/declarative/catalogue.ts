/**
 * The catalogue: every provider generator as a declaration, kept as data in ./catalogue.json
 * (Boards' 98 generators, input schemas exactly as Boards serves them).
 */
import { z } from "zod";
import { checkReferences } from "./checkReferences.js";
import { GeneratorDeclarationSchema, type GeneratorDeclaration } from "./GeneratorDeclaration.js";
// Imported rather than read from disk so the build carries it into dist/ with the code.
import catalogueData from "./catalogue.json" with { type: "json" };

let cached: GeneratorDeclaration[] | undefined;

/**
 * Parses and checks a list of declarations: each must satisfy the declaration schema, refer
 * only to inputs, artifact inputs and transforms that exist, and names must be unique.
 * @throws Error naming the first bad entry
 */
export function parseDeclarations(raw: unknown, where: string): GeneratorDeclaration[] {
  const list = z.array(z.unknown()).parse(raw);
  const seen = new Set<string>();
  return list.map((entry, index) => {
    const parsed = GeneratorDeclarationSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = (entry as { name?: unknown } | null)?.name;
      throw new Error(`${where}[${index}]${typeof name === "string" ? ` (${name})` : ""}: ${issue?.path.join(".") ?? ""} ${issue?.message}`.trim());
    }
    const problems = checkReferences(parsed.data as GeneratorDeclaration);
    if (problems.length) throw new Error(`${where}[${index}] (${parsed.data.name}): ${problems.join("; ")}`);
    if (seen.has(parsed.data.name)) throw new Error(`${where}: duplicate generator name '${parsed.data.name}'`);
    seen.add(parsed.data.name);
    return parsed.data as GeneratorDeclaration;
  });
}

/** All catalogue declarations (parsed once). */
export function loadCatalogue(): GeneratorDeclaration[] {
  cached ??= parseDeclarations(catalogueData, "catalogue.json");
  return cached;
}
