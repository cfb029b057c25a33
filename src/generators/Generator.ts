/**
 * The generator plugin contract. A generator wraps one model or provider: it declares its
 * inputs as a zod object (which also yields the JSON Schema clients render forms from), can
 * estimate a cost, and produces artifacts by storing them through its context.
 */
import type { Readable } from "node:stream";
import type { z } from "zod";
import type { Logger } from "../logger.js";
import type { GeneratorDeclaration } from "./declarative/GeneratorDeclaration.js";
import type { Artifact, AudioArtifact, ImageArtifact, TextArtifact, VideoArtifact } from "./artifacts.js";

/** Lowercase artifact type names, as generators and clients (Boards) spell them. */
export type GeneratorArtifactType = "image" | "video" | "audio" | "text";

/** Bytes of an output: in memory, a stream, or a URL (http(s) or data:) to download. */
export type OutputSource = { data: Uint8Array } | { stream: Readable } | { url: string };

type StoreCommon = { source: OutputSource; format: string; outputIndex?: number };

/** A progress report: percent 0–100 (never lower than before in a run), with optional phase and message. */
export type ProgressReport = { progress: number; phase?: string; message?: string };

/** What a generator can do while it runs. */
export interface GeneratorContext {
  readonly generationId: string;
  readonly tenantId: string;
  readonly boardId: string;
  readonly userId: string;
  /** Aborted when the generation is cancelled or the worker shuts down: stop promptly. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Downloads an input artifact to a private temporary file and returns its path. */
  resolveArtifact(artifact: Artifact): Promise<string>;
  /** Stores an output; `outputIndex` > 0 becomes a sibling generation of the same batch. */
  storeImageResult(output: StoreCommon & { width?: number; height?: number }): Promise<ImageArtifact>;
  storeVideoResult(output: StoreCommon & { width?: number; height?: number; duration?: number; fps?: number }): Promise<VideoArtifact>;
  storeAudioResult(output: StoreCommon & { duration?: number; sampleRate?: number; channels?: number }): Promise<AudioArtifact>;
  storeTextResult(output: { content: string; format?: string; outputIndex?: number }): Promise<TextArtifact>;
  /**
   * Stores one more file of an output already stored (a cover image, a separate audio track); it
   * is listed in the generation's `additionalFiles` with `role` as its type.
   */
  storeAdditionalFile(file: { source: OutputSource; format: string; role: string; outputIndex?: number }): Promise<{ url: string }>;
  /** Records progress on the generation and notifies subscribers. */
  publishProgress(report: ProgressReport): Promise<void>;
  /** Records the provider's id for this job (`externalJobId`). */
  setExternalJobId(id: string): Promise<void>;
}

/**
 * A generator plugin. `inputSchema` must be a zod object; artifact inputs use the schemas of
 * ./artifacts.ts. Throw {@link PermanentGeneratorError} for failures a retry cannot fix (bad
 * input, a provider's 4xx); anything else is treated as transient and retried.
 */
export interface Generator<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly artifactType: GeneratorArtifactType;
  readonly description: string;
  readonly inputSchema: S;
  /** Estimated cost in USD for these inputs. */
  estimateCost(inputs: z.infer<S>): number | Promise<number>;
  generate(inputs: z.infer<S>, ctx: GeneratorContext): Promise<void>;
}

/** A failure no retry can fix: the generation fails at once with this message. */
export class PermanentGeneratorError extends Error {}

/**
 * A generator defined as data (see ./declarative/): it runs at an AI provider through that
 * provider's adapter, and holds no worker slot while the provider works. Its inputs are
 * validated against the declaration's JSON Schema, which clients receive verbatim.
 */
export interface DeclaredGenerator {
  readonly kind: "declared";
  readonly name: string;
  readonly artifactType: GeneratorArtifactType;
  readonly description: string;
  readonly declaration: GeneratorDeclaration;
}

/** Anything the registry holds: a code plugin or a declared provider generator. */
export type AnyGenerator = Generator | DeclaredGenerator;

/** True for a declared provider generator. */
export function isDeclared(generator: AnyGenerator): generator is DeclaredGenerator {
  return (generator as Partial<DeclaredGenerator>).kind === "declared";
}

/** A declared generator for a declaration, under the declaration's name (or `name`). */
export function declaredGenerator(declaration: GeneratorDeclaration, name = declaration.name): DeclaredGenerator {
  return { kind: "declared", name, artifactType: declaration.artifactType, description: declaration.description, declaration };
}
