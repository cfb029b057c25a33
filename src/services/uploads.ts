/**
 * Uploads: a file the caller already has becomes a COMPLETED generation named
 * `user-upload-{type}` on a board, with Boards' metadata. The caller streams the file to a
 * private temporary file first (transport code does that, counting bytes and keeping the first
 * ones); this service then checks everything — permission, declared type, real content — and
 * only then stores it. Nothing about the client's file name reaches the storage key.
 */
import { createReadStream } from "node:fs";
import { randomUUID } from "node:crypto";
import { extname } from "node:path";
import { canEditGenerations } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import { badUserInput, forbidden, notFound } from "../errors.js";
import type { ArtifactType, Generation, Prisma } from "../generated/prisma/client.js";
import { sniffContent } from "../lib/sniffContent.js";
import { uploadBytes } from "../metrics/metrics.js";
import { artifactKey } from "../storage/storageKey.js";
import { storedKeysOf } from "../storage/storedKeys.js";
import { boardForMutation, requireUser } from "./boardAccess.js";
import { getGeneration } from "./generations.js";

export const UPLOADABLE_TYPES = ["IMAGE", "VIDEO", "AUDIO", "TEXT"] as const;
export type UploadableType = (typeof UPLOADABLE_TYPES)[number];

export type UploadedFile = {
  /** Private temporary file holding the bytes. */
  path: string;
  size: number;
  /** The first bytes of the file, for content sniffing. */
  head: Uint8Array;
  /** The client's declared content type, if any (not trusted: checked against the content). */
  declaredType: string | null;
  /** The client's file name (sanitized before it is recorded). */
  filename: string | null;
};

export type UploadRequest = {
  boardId: string;
  artifactType: UploadableType;
  file: UploadedFile;
  userDescription?: string | null;
  parentGenerationId?: string | null;
  source: { kind: "file"; via: "multipart" | "graphql" } | { kind: "url"; url: string };
  /**
   * File-name extensions accepted (lower case, with the dot): required, so that every way in
   * (REST, GraphQL file, GraphQL URL) applies the same rule.
   */
  allowedExtensions: readonly string[];
};

/** Boards' file-name clean-up: base name only, no NUL, no `<>:"|?*\`, no leading/trailing dots or spaces. */
export function sanitizeFilename(name: string | null | undefined): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  const cleaned = base.replace(/\0/g, "").replace(/[<>:"|?*\\]/g, "_").replace(/^[.\s]+|[.\s]+$/g, "").slice(0, 255);
  return cleaned || "uploaded_file";
}

function checkDeclaredType(declared: string | null, type: UploadableType): void {
  const mime = declared?.split(";")[0]!.trim().toLowerCase();
  if (!mime || mime === "application/octet-stream") return;
  const lower = type.toLowerCase();
  const fits = mime.startsWith(`${lower}/`) || (type === "TEXT" && ["application/json", "text/markdown"].includes(mime));
  if (!fits || mime === "image/svg+xml") {
    throw badUserInput(`Invalid file type: MIME type '${mime}' does not match artifact type '${lower}'`, { argument: "file" });
  }
}

/**
 * Turns an uploaded file into a COMPLETED generation.
 * @throws UNAUTHENTICATED; NOT_FOUND (board, parent); FORBIDDEN; BAD_USER_INPUT (type or content).
 */
export async function createUpload(ctx: ServiceContext, request: UploadRequest): Promise<Generation> {
  const user = requireUser(ctx, "Authentication required");
  const { board, access } = await boardForMutation(ctx, request.boardId);
  if (!canEditGenerations(access)) throw forbidden("Permission denied: You don't have permission to upload to this board");
  const parent = request.parentGenerationId ? await getGeneration(ctx, request.parentGenerationId) : null;
  if (request.parentGenerationId && !parent) throw notFound("Parent generation not found");

  const filename = sanitizeFilename(request.file.filename ?? (request.source.kind === "url" ? new URL(request.source.url).pathname : null));
  const ext = extname(filename).toLowerCase();
  if (ext && !request.allowedExtensions.includes(ext)) {
    throw badUserInput(`File extension '${ext}' is not allowed`, { argument: "file" });
  }
  const type = request.artifactType;
  checkDeclaredType(request.file.declaredType, type);
  const sniffed = sniffContent(request.file.head);
  if (sniffed.kind === "refused") throw badUserInput(`Invalid file content: ${sniffed.reason}`, { argument: "file" });
  if (sniffed.kind === "unknown" || sniffed.kind !== type.toLowerCase()) {
    throw badUserInput(`Invalid file content: this is not a supported ${type.toLowerCase()} file`, { argument: "file" });
  }
  if (request.file.size === 0) throw badUserInput("The file is empty", { argument: "file" });

  const id = randomUUID();
  const createdAt = new Date();
  const key = artifactKey({ tenantId: board.tenantId, artifactType: type, boardId: board.id, generationId: id, createdAt });
  const backend = ctx.storage.select(type, request.file.size);
  const { size } = await backend.put(key, createReadStream(request.file.path), { contentType: sniffed.mime });
  const thumbnail = await ctx.thumbnails.make(type, backend, key, ctx.logger);
  const storageUrl = backend.url(key);

  let generation: Generation;
  try {
    generation = await ctx.prisma.generation.create({
    data: {
      id,
      createdAt,
      tenantId: board.tenantId,
      boardId: board.id,
      userId: user.id,
      generatorName: `user-upload-${type.toLowerCase()}`,
      artifactType: type as ArtifactType,
      status: "COMPLETED",
      progress: 100,
      startedAt: createdAt,
      completedAt: new Date(),
      storageUrl,
      storageKey: key,
      storageProvider: backend.name,
      thumbnailUrl: thumbnail?.url ?? null,
      inputParams: {
        upload_source: request.source.kind,
        original_filename: filename,
        source_url: request.source.kind === "url" ? request.source.url : null,
        user_description: request.userDescription ?? null,
      },
      outputMetadata: {
        file_size: size,
        mime_type: sniffed.mime,
        upload_timestamp: createdAt.toISOString(),
        storage_key: key,
        storage_provider: backend.name,
        ...(thumbnail
          ? {
              width: thumbnail.original.width,
              height: thumbnail.original.height,
              ...(thumbnail.durationSeconds !== undefined ? { duration: thumbnail.durationSeconds } : {}),
              thumbnail: { url: thumbnail.url, width: thumbnail.width, height: thumbnail.height },
            }
          : {}),
      } as Prisma.InputJsonObject,
      inputArtifacts: parent ? [{ generation_id: parent.id, role: "parent", artifact_type: type.toLowerCase() }] : [],
    },
    });
  } catch (error) {
    // No row, no files: remove what was stored before the insert failed.
    for (const k of storedKeysOf(key)) await backend.delete(k).catch(() => undefined);
    throw error;
  }
  uploadBytes.inc({ kind: request.source.kind === "url" ? "url" : request.source.via }, size);
  await ctx.events.publish(generation, "finalizing", "Uploaded");
  return generation;
}
