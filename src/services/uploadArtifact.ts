/**
 * The `uploadArtifact` mutation: the file comes either with the request (a GraphQL multipart
 * file part, already spooled to disk by the HTTP layer) or from a URL the server fetches. Both
 * end in createUpload, the path REST uploads take too.
 */
import type { ServiceContext } from "../context.js";
import type { Env } from "../env.js";
import { badUserInput } from "../errors.js";
import type { Generation } from "../generated/prisma/client.js";
import type { UploadArtifactInput } from "../graphql/types.generated.js";
import { requireUser } from "./boardAccess.js";
import { uploadFromUrl } from "./uploadFromUrl.js";
import { createUpload, UPLOADABLE_TYPES, type UploadableType } from "./uploads.js";

const isUploadable = (type: string): type is UploadableType => (UPLOADABLE_TYPES as readonly string[]).includes(type);

/**
 * Adds the given file (`input.file`) or the file at `input.fileUrl` — exactly one of them — to a
 * board as a COMPLETED `user-upload-{type}` generation.
 * @throws UNAUTHENTICATED; NOT_FOUND (board, parent); FORBIDDEN; BAD_USER_INPUT (neither or both
 *   of `file` and `fileUrl`, a type that cannot be uploaded, a refused URL or download, a
 *   refused extension, content not matching the artifact type).
 */
export async function uploadArtifact(ctx: ServiceContext, input: UploadArtifactInput, limits: Env["uploads"]): Promise<Generation> {
  requireUser(ctx, "Authentication required");
  const { file, fileUrl, artifactType } = input;
  if (!isUploadable(artifactType)) {
    throw badUserInput(`Artifact type ${artifactType} cannot be uploaded`, { argument: "input", fieldErrors: [{ field: "artifactType", message: "not uploadable" }] });
  }
  const common = {
    boardId: input.boardId,
    artifactType,
    userDescription: input.userDescription ?? null,
    parentGenerationId: input.parentGenerationId ?? null,
  };
  if (file != null && fileUrl == null) {
    return createUpload(ctx, {
      ...common,
      file: { ...file, filename: input.originalFilename ?? file.filename },
      source: { kind: "file", via: "graphql" },
      allowedExtensions: limits.allowedExtensions,
    });
  }
  if (fileUrl != null && file == null) {
    return uploadFromUrl(ctx, { ...common, fileUrl, originalFilename: input.originalFilename ?? null }, limits);
  }
  const problem = "exactly one of file and fileUrl is required";
  throw badUserInput(file == null ? "Give a file or a fileUrl" : "Give either a file or a fileUrl, not both", {
    argument: "input",
    fieldErrors: [
      { field: "file", message: problem },
      { field: "fileUrl", message: problem },
    ],
  });
}
