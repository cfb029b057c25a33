/**
 * The named storage providers of a deployment and the rules choosing one for each new object
 * (Boards' routing: first matching rule by artifact type and size, else the default provider).
 * Every stored generation records its provider's name (`storage_provider`), so reads, links and
 * deletes go to the provider that holds the object, whatever the rules say today.
 */
import type { RoutableType, RoutingRule } from "./storageConfig.js";
import type { StorageBackend } from "./StorageBackend.js";

/** A stored row names a provider this deployment no longer configures. */
export class UnknownStorageProviderError extends Error {}

export class StorageRouter {
  private readonly byName: Map<string, StorageBackend>;
  /** Every provider, local ones first (cheapest to ask when looking for a key). */
  readonly providers: readonly StorageBackend[];

  /**
   * @param providers every configured backend, by its name (each backend's `name`)
   * @param defaultProvider name of the provider used when no rule matches
   * @param maxFileSize largest object accepted, in bytes
   */
  constructor(
    providers: StorageBackend[],
    readonly defaultProvider: string,
    private readonly rules: RoutingRule[] = [],
    readonly maxFileSize: number = Number.MAX_SAFE_INTEGER,
  ) {
    this.byName = new Map(providers.map((p) => [p.name, p]));
    this.providers = [...this.byName.values()].sort((a, b) => Number(b.name === "local") - Number(a.name === "local"));
    for (const name of [defaultProvider, ...rules.map((r) => r.provider)]) this.provider(name);
  }

  /** The provider with this name, if configured. */
  find(name: string): StorageBackend | undefined {
    return this.byName.get(name);
  }

  /** The provider with this name. @throws UnknownStorageProviderError */
  provider(name: string): StorageBackend {
    const backend = this.find(name);
    if (!backend) throw new UnknownStorageProviderError(`Storage provider '${name}' is not configured`);
    return backend;
  }

  /** The provider holding a stored row's objects: its recorded one (rows from before routing: the default). */
  providerOf(row: { storageProvider: string | null }): StorageBackend {
    return this.provider(row.storageProvider ?? this.defaultProvider);
  }

  /**
   * Where a new object of this type and size goes. `size` may be unknown (a stream) only when
   * {@link needsSize} says the answer does not depend on it.
   */
  select(artifactType: RoutableType, size: number | undefined): StorageBackend {
    for (const rule of this.rules) {
      if (rule.artifactTypes && !rule.artifactTypes.includes(artifactType)) continue;
      if (rule.sizeGt !== undefined && (size === undefined || size <= rule.sizeGt)) continue;
      return this.provider(rule.provider);
    }
    return this.provider(this.defaultProvider);
  }

  /** Whether choosing a provider for this type needs the object's size (a size rule could match first). */
  needsSize(artifactType: RoutableType): boolean {
    for (const rule of this.rules) {
      if (rule.artifactTypes && !rule.artifactTypes.includes(artifactType)) continue;
      if (rule.sizeGt !== undefined) return true;
      return false;
    }
    return false;
  }

  /**
   * Deletes keys from every provider: for objects whose provider is not known (an attempt that
   * failed before recording it, or deletion jobs queued without one). Missing keys are fine.
   */
  async deleteEverywhere(keys: string[]): Promise<void> {
    for (const backend of this.providers) {
      for (const key of keys) await backend.delete(key);
    }
  }
}
