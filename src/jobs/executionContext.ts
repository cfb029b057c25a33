/**
 * The GeneratorContext a running generation gets: storing outputs (batch outputs become sibling
 * generations), progress, provider job ids and input artifacts, all scoped to one generation
 * and one run. `finalize`/`discard` settle the run's outputs afterwards.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PrismaClient } from "../db.js";
import type { EventBus } from "../events.js";
import type { Generation, Prisma } from "../generated/prisma/client.js";
import type { Artifact, AudioArtifact, ImageArtifact, TextArtifact, VideoArtifact } from "../generators/artifacts.js";
import { PermanentGeneratorError, type GeneratorContext, type OutputSource, type ProgressReport } from "../generators/Generator.js";
import { contentTypeFor } from "../lib/contentTypes.js";
import type { Logger } from "../logger.js";
import type { StorageRouter } from "../storage/StorageRouter.js";
import type { Thumbnailer } from "../storage/Thumbnailer.js";
import { artifactKey } from "../storage/storageKey.js";
import { additionalFileKeyOf, MAX_ADDITIONAL_FILES, storedKeysOf } from "../storage/storedKeys.js";
import { markCancelled, markCompleted, markFailed, recordExternalJobId, recordProgress } from "./generationState.js";
import { openOutput, prepareOutput } from "./outputSource.js";
import { ProgressThrottle } from "./progressThrottle.js";

export type ExecutionDeps = { prisma: PrismaClient; events: EventBus; storage: StorageRouter; thumbnails: Thumbnailer; logger: Logger; progressIntervalMs: number };

type StoredOutput = {
  generationId: string;
  storageKey: string;
  /** Name of the provider that holds it. */
  provider: string;
  storageUrl: string;
  thumbnailUrl: string | null;
  metadata: Record<string, unknown>;
};

const MAX_TEXT_IN_METADATA = 100_000;

export class ExecutionContext implements GeneratorContext {
  readonly generationId: string;
  readonly tenantId: string;
  readonly boardId: string;
  readonly userId: string;
  private readonly outputs = new Map<number, StoredOutput>();
  /** Additional files by output index, as `additionalFiles` entries. */
  private readonly extras = new Map<number, Array<{ url: string; type: string; metadata: Record<string, unknown> }>>();
  private lastProgress: number;
  private readonly progress: ProgressThrottle;
  private tempDir: string | null = null;

  constructor(
    private readonly deps: ExecutionDeps,
    private readonly generation: Generation,
    readonly signal: AbortSignal,
    readonly logger: Logger,
  ) {
    this.generationId = generation.id;
    this.tenantId = generation.tenantId;
    this.boardId = generation.boardId;
    this.userId = generation.userId;
    this.lastProgress = generation.progress;
    this.progress = new ProgressThrottle(
      async (u) => void (await recordProgress(deps, this.generationId, u.progress, u.phase, u.message)),
      deps.progressIntervalMs,
      (err) => logger.warn({ err }, "could not record progress"),
    );
  }

  async publishProgress(report: ProgressReport): Promise<void> {
    this.signal.throwIfAborted();
    const value = Number.isFinite(report.progress) ? Math.min(100, Math.max(0, report.progress)) : this.lastProgress;
    // Never backwards within a run; 100 is reserved for completion.
    this.lastProgress = Math.max(this.lastProgress, Math.min(value, 99));
    await this.progress.report({ progress: this.lastProgress, phase: report.phase ?? "processing", message: report.message ?? null });
  }

  async setExternalJobId(id: string): Promise<void> {
    await recordExternalJobId(this.deps, this.generationId, id);
  }

  async resolveArtifact(artifact: Artifact): Promise<string> {
    this.signal.throwIfAborted();
    const source = await this.deps.prisma.generation.findFirst({
      where: { id: artifact.generation_id, tenantId: this.tenantId },
      select: { storageKey: true, storageProvider: true },
    });
    const path = join(await this.workDir(), `${artifact.generation_id}.${artifact.format.replace(/[^a-z0-9]/gi, "") || "bin"}`);
    // Inputs were resolved from this tenant's rows; anything else is refused, never fetched.
    if (!source) throw new PermanentGeneratorError(`Input artifact ${artifact.generation_id} not found`);
    let body: Readable | Uint8Array;
    if (source.storageKey) {
      const stored = await this.deps.storage.providerOf(source).get(source.storageKey);
      if (!stored) throw new PermanentGeneratorError(`Input artifact ${artifact.generation_id} is missing from storage`);
      body = stored.body;
    } else {
      body = await openOutput({ url: artifact.storage_url }, this.signal);
    }
    await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, createWriteStream(path, { mode: 0o600 }), {
      signal: this.signal,
    });
    return path;
  }

  /** The generation an output index belongs to: this one for 0, a batch sibling otherwise. */
  private async targetFor(index: number): Promise<Generation> {
    if (index === 0) return this.generation;
    const g = this.generation;
    const existing = await this.deps.prisma.generation.findFirst({
      where: {
        boardId: g.boardId,
        AND: [{ outputMetadata: { path: ["batch_id"], equals: g.id } }, { outputMetadata: { path: ["batch_index"], equals: index } }],
      },
    });
    if (existing) return existing;
    const sibling = await this.deps.prisma.generation.create({
      data: {
        tenantId: g.tenantId,
        boardId: g.boardId,
        userId: g.userId,
        generatorName: g.generatorName,
        artifactType: g.artifactType,
        inputParams: g.inputParams as Prisma.InputJsonValue,
        inputArtifacts: g.inputArtifacts as Prisma.InputJsonValue,
        status: "PROCESSING",
        startedAt: new Date(),
        outputMetadata: { batch_id: g.id, batch_index: index },
      },
    });
    await this.deps.events.publish(sibling, "processing", "Batch output");
    return sibling;
  }

  private async store(
    index: number,
    source: OutputSource,
    format: string,
    metadata: Record<string, unknown>,
  ): Promise<{ generationId: string; storageUrl: string; width?: number; height?: number }> {
    this.signal.throwIfAborted();
    if (!Number.isInteger(index) || index < 0 || index > 99) throw new PermanentGeneratorError(`Invalid outputIndex ${index}`);
    const target = await this.targetFor(index);
    const key = artifactKey({
      tenantId: target.tenantId,
      artifactType: target.artifactType,
      boardId: target.boardId,
      generationId: target.id,
      createdAt: target.createdAt,
    });
    const contentType = contentTypeFor(format);
    const output = await prepareOutput(await openOutput(source, this.signal), {
      maxBytes: this.deps.storage.maxFileSize,
      needSize: this.deps.storage.needsSize(target.artifactType),
      spoolDir: () => this.workDir(),
      signal: this.signal,
    });
    const backend = this.deps.storage.select(target.artifactType, output.size);
    const { size } = await backend.put(key, output.body, { contentType });
    const storageUrl = backend.url(key);
    // Images and videos get a thumbnail; their measured size (and a video's duration) win over
    // what the generator claimed.
    const thumbnail = await this.deps.thumbnails.make(target.artifactType, backend, key, this.logger);
    const measured = thumbnail
      ? { width: thumbnail.original.width, height: thumbnail.original.height, ...(thumbnail.durationSeconds !== undefined ? { duration: thumbnail.durationSeconds } : {}) }
      : {};
    this.outputs.set(index, {
      generationId: target.id,
      storageKey: key,
      provider: backend.name,
      storageUrl,
      thumbnailUrl: thumbnail?.url ?? null,
      metadata: {
        generation_id: target.id,
        storage_url: storageUrl,
        format,
        mime_type: contentType,
        file_size: size,
        ...metadata,
        ...measured,
        ...(thumbnail ? { thumbnail: { url: thumbnail.url, width: thumbnail.width, height: thumbnail.height, file_size: thumbnail.size } } : {}),
      },
    });
    return { generationId: target.id, storageUrl, ...measured };
  }

  async storeImageResult(o: { source: OutputSource; format: string; width?: number; height?: number; outputIndex?: number }) {
    const stored = await this.store(o.outputIndex ?? 0, o.source, o.format, { width: o.width, height: o.height });
    return {
      generation_id: stored.generationId,
      storage_url: stored.storageUrl,
      format: o.format,
      width: stored.width ?? o.width,
      height: stored.height ?? o.height,
    } satisfies ImageArtifact;
  }

  async storeVideoResult(o: {
    source: OutputSource;
    format: string;
    width?: number;
    height?: number;
    duration?: number;
    fps?: number;
    outputIndex?: number;
  }) {
    const extra = { width: o.width, height: o.height, duration: o.duration, fps: o.fps };
    const stored = await this.store(o.outputIndex ?? 0, o.source, o.format, extra);
    return { generation_id: stored.generationId, storage_url: stored.storageUrl, format: o.format, ...extra } satisfies VideoArtifact;
  }

  async storeAudioResult(o: {
    source: OutputSource;
    format: string;
    duration?: number;
    sampleRate?: number;
    channels?: number;
    outputIndex?: number;
  }) {
    const extra = { duration: o.duration, sample_rate: o.sampleRate, channels: o.channels };
    const stored = await this.store(o.outputIndex ?? 0, o.source, o.format, extra);
    return { generation_id: stored.generationId, storage_url: stored.storageUrl, format: o.format, ...extra } satisfies AudioArtifact;
  }

  async storeTextResult(o: { content: string; format?: string; outputIndex?: number }) {
    const format = o.format ?? "plain";
    const truncated = o.content.length > MAX_TEXT_IN_METADATA;
    const extra = { content: truncated ? o.content.slice(0, MAX_TEXT_IN_METADATA) : o.content, ...(truncated ? { content_truncated: true } : {}) };
    const stored = await this.store(o.outputIndex ?? 0, { data: Buffer.from(o.content, "utf8") }, format, extra);
    return { generation_id: stored.generationId, storage_url: stored.storageUrl, format, content: o.content } satisfies TextArtifact;
  }

  async storeAdditionalFile(file: { source: OutputSource; format: string; role: string; outputIndex?: number }): Promise<{ url: string }> {
    this.signal.throwIfAborted();
    const index = file.outputIndex ?? 0;
    const main = this.outputs.get(index);
    if (!main) throw new PermanentGeneratorError(`Output ${index} must be stored before its additional files`);
    const list = this.extras.get(index) ?? [];
    if (list.length >= MAX_ADDITIONAL_FILES) throw new PermanentGeneratorError(`An output keeps at most ${MAX_ADDITIONAL_FILES} additional files`);
    // Beside the output, on its provider, so deleting the generation finds it (storedKeysOf).
    const key = additionalFileKeyOf(main.storageKey, list.length);
    const backend = this.deps.storage.providerOf({ storageProvider: main.provider });
    const contentType = contentTypeFor(file.format);
    const output = await prepareOutput(await openOutput(file.source, this.signal), {
      maxBytes: this.deps.storage.maxFileSize,
      needSize: false,
      spoolDir: () => this.workDir(),
      signal: this.signal,
    });
    const { size } = await backend.put(key, output.body, { contentType });
    const url = backend.url(key);
    list.push({ url, type: file.role, metadata: { format: file.format, mime_type: contentType, file_size: size, storage_key: key } });
    this.extras.set(index, list);
    return { url };
  }

  /**
   * Completes the generations of the run: this one first (the signal clients wait for), then
   * its batch siblings, with batch metadata when there were several outputs. Returns false
   * when this generation was no longer running (cancelled meanwhile): the outputs are then
   * discarded and the siblings cancelled.
   * @param actualCost what the provider says the run cost (USD), charged instead of the estimate
   * @throws PermanentGeneratorError when the generator stored nothing.
   */
  async finalize(actualCost?: number): Promise<boolean> {
    await this.stopProgress();
    if (!this.outputs.has(0)) throw new PermanentGeneratorError("Generator finished without storing an output");
    const batchSize = this.outputs.size;
    for (const [index, output] of [...this.outputs.entries()].sort(([a], [b]) => a - b)) {
      const batch = batchSize > 1 ? { batch_id: this.generationId, batch_index: index, batch_size: batchSize } : {};
      const row = await markCompleted(this.deps, output.generationId, {
        storageUrl: output.storageUrl,
        thumbnailUrl: output.thumbnailUrl,
        storageKey: output.storageKey,
        storageProvider: output.provider,
        outputMetadata: JSON.parse(JSON.stringify({ ...output.metadata, ...batch })) as Prisma.InputJsonObject,
        ...(this.extras.has(index) ? { additionalFiles: this.extras.get(index) as Prisma.InputJsonArray } : {}),
      }, index === 0 ? actualCost : undefined);
      if (index === 0 && row === null) {
        // Not running any more. Keep the file if a duplicate run already completed with it
        // (same deterministic key); otherwise the run was cancelled and its output goes.
        const current = await this.deps.prisma.generation.findUnique({ where: { id: this.generationId } });
        if (current?.status === "COMPLETED" && current.storageKey === output.storageKey) return false;
        await this.discard("cancelled");
        return false;
      }
    }
    return true;
  }

  /**
   * Ends the run without a result (cancelled, or failed for good): deletes what was stored for
   * this generation and its batch siblings (keys are deterministic, so earlier attempts'
   * objects are found too) and settles the siblings like the generation itself.
   */
  async discard(outcome: "cancelled" | { failed: string }): Promise<void> {
    await this.stopProgress();
    const siblings = await this.deps.prisma.generation.findMany({
      where: { boardId: this.boardId, outputMetadata: { path: ["batch_id"], equals: this.generationId }, status: { in: ["PENDING", "PROCESSING"] } },
    });
    for (const row of [this.generation, ...siblings]) {
      const key = artifactKey({ tenantId: row.tenantId, artifactType: row.artifactType, boardId: row.boardId, generationId: row.id, createdAt: row.createdAt });
      // Earlier attempts may have been routed elsewhere (e.g. by size), so every provider is asked.
      await this.deps.storage.deleteEverywhere(storedKeysOf(key, MAX_ADDITIONAL_FILES)).catch((err: unknown) => this.logger.warn({ err, key }, "could not delete output"));
      if (row === this.generation) continue;
      if (outcome === "cancelled") await markCancelled(this.deps, row.id);
      else await markFailed(this.deps, row.id, outcome.failed);
    }
    this.outputs.clear();
    this.extras.clear();
  }

  /** Drops held progress and waits for a write in flight, so none lands after the outcome. */
  private async stopProgress(): Promise<void> {
    this.progress.cancel();
    await this.progress.settled();
  }

  /** A private directory for this run's input files and spooled outputs. */
  private async workDir(): Promise<string> {
    this.tempDir ??= await mkdtemp(join(tmpdir(), "boards-artifact-"));
    return this.tempDir;
  }

  /** Ends the run's side work: held progress, downloaded inputs and spooled outputs. */
  async cleanup(): Promise<void> {
    await this.stopProgress();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }
}
