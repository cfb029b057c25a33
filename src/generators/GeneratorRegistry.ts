import type { Generator, GeneratorArtifactType } from "./Generator.js";

/** The generators this process can run, by name. */
export class GeneratorRegistry {
  private readonly byName = new Map<string, Generator>();

  /** @throws Error when the name is taken. */
  register(generator: Generator): void {
    if (this.byName.has(generator.name)) throw new Error(`Generator '${generator.name}' is already registered`);
    this.byName.set(generator.name, generator);
  }

  get(name: string): Generator | undefined {
    return this.byName.get(name);
  }

  /** All generators, or those of one artifact type, sorted by name. */
  list(artifactType?: GeneratorArtifactType): Generator[] {
    return [...this.byName.values()]
      .filter((g) => !artifactType || g.artifactType === artifactType)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
