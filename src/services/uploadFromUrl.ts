/**
 * `uploadArtifact` with a `fileUrl`: the server fetches the file (through the SSRF guard of
 * lib/safeFetch.ts, after checking the caller may upload to the board, so it is never a fetch
 * proxy for anyone else) into a private temporary file, then treats it like any upload.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { canEditGenerations } from "../auth/policy.js";
import type { ServiceContext } from "../context.js";
import type { Env } from "../env.js";
import { badUserInput, forbidden } from "../errors.js";
import type { Generation } from "../generated/prisma/client.js";
import { captureToFile } from "../lib/captureToFile.js";
import { DownloadError, DownloadTooLargeError, safeFetch, UrlNotAllowedError } from "../lib/safeFetch.js";
import { boardForMutation, requireUser } from "./boardAccess.js";
import { createUpload, type UploadableType, type UploadedFile } from "./uploads.js";

export type UploadFromUrlInput = {
  boardId: string;
  artifactType: UploadableType;
  fileUrl: string;
  originalFilename?: string | null;
  userDescription?: string | null;
  parentGenerationId?: string | null;
};

class BadFileUrl extends Error {}

/** The file name a URL's last path segment gives (null for none). */
function filenameOf(url: URL): string | null {
  const last = url.pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(last) || null;
  } catch {
    throw new BadFileUrl("Invalid fileUrl: the file name in its path has a malformed percent-escape (give originalFilename or fix the URL)");
  }
}

/**
 * Fetches `input.fileUrl` and stores it as an upload (called by uploadArtifact, which checks the
 * input's shape).
 * @throws UNAUTHENTICATED; NOT_FOUND; FORBIDDEN; BAD_USER_INPUT (refused or malformed URL, failed,
 *   timed-out or oversize download, refused extension, content not matching the artifact type).
 */
export async function uploadFromUrl(ctx: ServiceContext, input: UploadFromUrlInput, limits: Env["uploads"]): Promise<Generation> {
  requireUser(ctx, "Authentication required");
  const { access } = await boardForMutation(ctx, input.boardId);
  if (!canEditGenerations(access)) throw forbidden("Permission denied: You don't have permission to upload to this board");

  const dir = await mkdtemp(join(limits.tempDir, "boards-url-upload-"));
  try {
    const path = join(dir, "download");
    const file = await safeFetch(
      input.fileUrl,
      { maxBytes: limits.maxBytes, timeoutMs: limits.urlTimeoutMs, allowHosts: limits.urlAllowHosts, lookup: ctx.resolveHost },
      async (body, info): Promise<UploadedFile> => {
        // Named before the body is read: a URL that cannot name the file is refused without it.
        const filename = input.originalFilename ?? filenameOf(info.url);
        const { size, head } = await captureToFile(body, path);
        return { path, size, head, declaredType: info.contentType, filename };
      },
    ).catch((error: unknown) => {
      if (error instanceof UrlNotAllowedError || error instanceof DownloadError || error instanceof DownloadTooLargeError || error instanceof BadFileUrl) {
        throw badUserInput(error.message, { argument: "input", fieldErrors: [{ field: "fileUrl", message: error.message }] });
      }
      throw error;
    });
    return await createUpload(ctx, {
      boardId: input.boardId,
      artifactType: input.artifactType,
      file,
      userDescription: input.userDescription ?? null,
      parentGenerationId: input.parentGenerationId ?? null,
      source: { kind: "url", url: input.fileUrl },
      allowedExtensions: limits.allowedExtensions,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
