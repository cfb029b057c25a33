/**
 * POST /api/uploads/artifact — Boards' REST upload (multipart fields `board_id`,
 * `artifact_type`, `file`, optional `user_description`, `parent_generation_id`; same responses),
 * streamed: the file goes to a private temporary file while its bytes are counted, and the
 * request is cut off with 413 as soon as it passes BOARDS_MAX_UPLOAD_SIZE, without reading the
 * rest. Memory use does not grow with the file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { ServiceContext } from "../context.js";
import { isGraphQLError } from "../graphql/maskError.js";
import { artifactUrls } from "../services/artifactUrls.js";
import { createUpload, UPLOADABLE_TYPES, type UploadableType, type UploadedFile } from "../services/uploads.js";
import { isUuid } from "../lib/uuid.js";
import { HttpProblem } from "./HttpProblem.js";
import { readMultipart } from "./readMultipart.js";
import { sendJson } from "./respond.js";

export const UPLOAD_PATH = "/api/uploads/artifact";

/** Room for multipart boundaries and the small fields around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

type Parsed = { fields: Record<string, string>; file: UploadedFile | null };

async function receive(req: IncomingMessage, dir: string, maxBytes: number): Promise<Parsed> {
  const fields: Record<string, string> = {};
  const limits = { fileBytes: maxBytes, fieldBytes: 64 * 1024, fields: 10, files: 1 };
  const files = await readMultipart(req, dir, limits, {
    field: (name, value) => void (fields[name] = value),
    // Boards' form has one file part, `file`: a file part of another name is not kept.
    file: (name) => name === "file",
  });
  return { fields, file: files.get("file") ?? null };
}

function parseRequest(parsed: Parsed) {
  const { fields, file } = parsed;
  const boardId = fields.board_id ?? "";
  if (!isUuid(boardId)) throw new HttpProblem(400, "Invalid board_id: expected a UUID");
  const type = (fields.artifact_type ?? "").toUpperCase();
  if (!(UPLOADABLE_TYPES as readonly string[]).includes(type)) {
    throw new HttpProblem(400, `Invalid artifact type '${fields.artifact_type ?? ""}': expected image, video, audio or text`);
  }
  const parent = fields.parent_generation_id || null;
  if (parent && !isUuid(parent)) throw new HttpProblem(400, "Invalid parent_generation_id: expected a UUID");
  if (!file) throw new HttpProblem(400, "No file provided");
  return { boardId: boardId.toLowerCase(), artifactType: type as UploadableType, parent: parent?.toLowerCase() ?? null, file, description: fields.user_description ?? null };
}

export async function serveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ServiceContext,
  limits: { maxBytes: number; allowedExtensions: string[]; tempDir: string },
): Promise<void> {
  if (req.method !== "POST") return sendJson(res, 405, { detail: "Method not allowed" }, { allow: "POST" });
  if (!ctx.viewer.user) return sendJson(res, 401, { detail: "Authentication required" }, { "www-authenticate": "Bearer" });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.maxBytes + MULTIPART_OVERHEAD) {
    res.setHeader("connection", "close");
    return sendJson(res, 413, { detail: `File too large: the limit is ${limits.maxBytes} bytes` });
  }
  const dir = await mkdtemp(join(limits.tempDir, "boards-upload-"));
  try {
    const parsed = await receive(req, dir, limits.maxBytes);
    const request = parseRequest(parsed);
    const generation = await createUpload(ctx, {
      boardId: request.boardId,
      artifactType: request.artifactType,
      file: request.file,
      userDescription: request.description,
      parentGenerationId: request.parent,
      source: { kind: "file", via: "multipart" },
      allowedExtensions: limits.allowedExtensions,
    });
    const board = await ctx.loaders.boardById.load(generation.boardId);
    const urls = board ? await artifactUrls(ctx, generation, board) : generation;
    sendJson(res, 200, {
      id: generation.id,
      status: "completed",
      storageUrl: urls.storageUrl,
      thumbnailUrl: urls.thumbnailUrl,
      artifactType: generation.artifactType.toLowerCase(),
      generatorName: generation.generatorName,
    });
  } catch (error) {
    if (error instanceof HttpProblem) {
      // Stop reading a body we refuse (e.g. past the size limit, or cut short): close once the
      // answer is out rather than read the rest.
      if (error.status === 413 || !req.complete) res.setHeader("connection", "close");
      if (res.destroyed) return;
      return sendJson(res, error.status, { detail: error.message });
    }
    if (isGraphQLError(error)) {
      const status = error.extensions.code === "UNAUTHENTICATED" ? 401 : 400;
      return sendJson(res, status, { detail: error.message });
    }
    ctx.logger.error({ err: error }, "upload failed");
    return sendJson(res, 500, { detail: "An unexpected error occurred during upload" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
