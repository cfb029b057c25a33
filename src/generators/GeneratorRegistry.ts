import type { AnyGenerator, GeneratorArtifactType } from "./Generator.js";

/** The generators this process can run, by name. */
export class GeneratorRegistry {
  private readonly byName = new Map<string, AnyGenerator>();
  /**
   * Whether `generators` lists provider generators whose provider has no key (the config file's
   * `list_unconfigured`). They are registered either way, so a submit can name the missing key.
   */
  listUnconfigured = false;

  /** @throws Error when the name is taken. */
  register(generator: AnyGenerator): void {
    if (this.byName.has(generator.name)) throw new Error(`Generator '${generator.name}' is already registered`);
    this.byName.set(generator.name, generator);
  }

  get(name: string): AnyGenerator | undefined {
    return this.byName.get(name);
  }

  /** All generators, or those of one artifact type, sorted by name. */
  list(artifactType?: GeneratorArtifactType): AnyGenerator[] {
    return [...this.byName.values()]
      .filter((g) => !artifactType || g.artifactType === artifactType)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
