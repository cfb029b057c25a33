/**
 * GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec) on
 * POST /graphql, streamed: the `operations` and `map` fields (together within the GraphQL body
 * limit) must come first, then each file part goes straight to a private temporary file, cut
 * off with 413 past BOARDS_MAX_UPLOAD_SIZE without reading the rest. Only then does Yoga run the
 * operation, from a JSON body in which each file's variable holds a per-request placeholder
 * that the `File` scalar turns back into the spooled file. The temporary files are removed when
 * the request ends, however it ends.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Env } from "../env.js";
import { CSRF_HEADERS, type GraphQLServer } from "../graphql/createGraphQLServer.js";
import { requestStore } from "../requestContext.js";
import type { UploadedFile } from "../services/uploads.js";
import { HttpProblem } from "./HttpProblem.js";
import { multipartOperations, type MultipartOperations } from "./multipartOperations.js";
import { readMultipart } from "./readMultipart.js";
import { requestHeaders, sendJson } from "./respond.js";

/** uploadArtifact takes one file; more per request would only multiply the disk a request may fill. */
const MAX_FILES = 1;
/** Room for multipart boundaries and part headers. */
const MULTIPART_OVERHEAD = 64 * 1024;
/** Headers that describe the multipart body, not the JSON body Yoga is handed. */
const BODY_HEADERS = ["content-type", "content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive", "expect", "upgrade"];

/** Whether a request to /graphql carries a multipart/form-data body. */
export function isMultipartRequest(req: IncomingMessage): boolean {
  return (req.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data");
}

const CODES: Record<number, string> = { 403: "FORBIDDEN", 413: "PAYLOAD_TOO_LARGE" };

function sendProblem(req: IncomingMessage, res: ServerResponse, problem: HttpProblem): void {
  if (res.headersSent || res.destroyed) return;
  // Stop reading a body we refuse (e.g. past the size limit, or cut short): close once the
  // answer is out rather than read the rest.
  const headers: Record<string, string> = problem.status === 413 || !req.complete ? { connection: "close" } : {};
  sendJson(res, problem.status, { errors: [{ message: problem.message, extensions: { code: CODES[problem.status] ?? "BAD_REQUEST" } }] }, headers);
}

/**
 * Reads the body in the spec's order, spooling file parts into `dir`; returns the operation
 * and the received files by field name.
 */
async function receive(req: IncomingMessage, dir: string, limits: { maxFieldBytes: number; maxFileBytes: number; maxTokens: number }) {
  const { maxFieldBytes, maxFileBytes } = limits;
  const state: { operationsText: string | null; operations: MultipartOperations | null } = { operationsText: null, operations: null };
  const received = new Set<string>();
  const files = await readMultipart(
    req,
    dir,
    // One more field and file than allowed, so the first extra part reaches the handlers below
    // and is refused with a message saying what is wrong with it.
    { fileBytes: maxFileBytes, fieldBytes: maxFieldBytes, fields: 3, files: MAX_FILES + 1 },
    {
      field(name, value) {
        if (name === "operations") {
          if (state.operationsText !== null) throw new HttpProblem(400, "The 'operations' field is given more than once");
          state.operationsText = value;
        } else if (name === "map") {
          if (state.operationsText === null) throw new HttpProblem(400, "The 'operations' field must come before the 'map' field");
          if (state.operations) throw new HttpProblem(400, "The 'map' field is given more than once");
          if (Buffer.byteLength(state.operationsText) + Buffer.byteLength(value) > maxFieldBytes) {
            throw new HttpProblem(413, `Request body exceeds ${maxFieldBytes} bytes`);
          }
          state.operations = multipartOperations(state.operationsText, value, MAX_FILES, limits.maxTokens);
        } else if (state.operations?.fileFields.includes(name)) {
          throw new HttpProblem(400, `The part '${name}' must be a file (a part with a filename)`);
        } else {
          throw new HttpProblem(400, `Unexpected field '${name.slice(0, 100)}': a GraphQL multipart request has the fields 'operations' and 'map', then the files`);
        }
      },
      file(name) {
        if (!state.operations) throw new HttpProblem(400, "The 'operations' and 'map' fields must come before the files");
        if (!state.operations.fileFields.includes(name)) throw new HttpProblem(400, `The file part '${name.slice(0, 100)}' is not named in the map`);
        if (received.has(name)) throw new HttpProblem(400, `The file part '${name}' is sent more than once`);
        received.add(name);
        return true;
      },
    },
  );
  if (state.operationsText === null) throw new HttpProblem(400, "Missing the 'operations' field");
  if (!state.operations) throw new HttpProblem(400, "Missing the 'map' field");
  return { operations: state.operations, files };
}

/** Writes Yoga's answer to the Node response. */
async function relay(response: Response, res: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Serves one multipart POST /graphql: CSRF check, streamed parsing into a temporary directory
 * under `uploads.tempDir`, then the operation through `yoga` (authentication and X-Tenant
 * handling are Yoga's, exactly as for JSON requests).
 */
export async function serveGraphQLMultipart(
  req: IncomingMessage,
  res: ServerResponse,
  options: { yoga: GraphQLServer; maxFieldBytes: number; maxTokens: number; uploads: Env["uploads"] },
): Promise<void> {
  const { yoga, maxFieldBytes, maxTokens, uploads } = options;
  // multipart/form-data is a "simple" request a browser sends cross-site without a preflight:
  // refuse it before reading anything unless it carries a header only a preflight allows.
  if (!CSRF_HEADERS.some((name) => req.headers[name] !== undefined)) {
    return sendProblem(req, res, new HttpProblem(403, "Required CSRF header(s) not present"));
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxFieldBytes + MAX_FILES * uploads.maxBytes + MULTIPART_OVERHEAD) {
    return sendProblem(req, res, new HttpProblem(413, `Request body exceeds ${maxFieldBytes + MAX_FILES * uploads.maxBytes} bytes`));
  }
  const store = requestStore.getStore();
  if (!store) throw new Error("serveGraphQLMultipart must run inside a request scope");

  // A client that leaves stops the operation (and so the wait for its answer) at once.
  const gone = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) gone.abort();
  };
  res.on("close", onClose);
  const dir = await mkdtemp(join(uploads.tempDir, "boards-graphql-upload-"));
  try {
    const { operations, files } = await receive(req, dir, { maxFieldBytes, maxFileBytes: uploads.maxBytes, maxTokens });
    const placeholders = new Map<string, string>();
    const byPlaceholder = new Map<string, UploadedFile>();
    for (const [field, file] of files) {
      const placeholder = `multipart-file:${randomUUID()}`;
      placeholders.set(field, placeholder);
      byPlaceholder.set(placeholder, file);
    }
    const body = JSON.stringify(operations.withPlaceholders(placeholders));
    const headers = requestHeaders(req);
    for (const name of BODY_HEADERS) headers.delete(name);
    headers.set("content-type", "application/json");
    const url = new URL(req.url ?? "/graphql", "http://localhost").href;
    const init = { method: "POST", headers, body, signal: gone.signal };
    const response = await requestStore.run({ ...store, uploads: byPlaceholder }, () => yoga.fetch(url, init, { req }));
    await relay(response, res);
  } catch (error) {
    if (gone.signal.aborted) return;
    if (!(error instanceof HttpProblem)) throw error;
    sendProblem(req, res, error);
  } finally {
    res.off("close", onClose);
    await rm(dir, { recursive: true, force: true });
  }
}
