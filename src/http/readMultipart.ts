/**
 * The streaming multipart/form-data reader shared by the REST upload route and GraphQL
 * multipart requests: text fields are handed over in order, file parts are written to private
 * files in `dir` (bytes counted, first bytes kept for sniffing), and the body is refused as soon
 * as a limit is passed — without reading the rest — so memory use does not grow with the file.
 */
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import busboy from "busboy";
import { captureToFile } from "../lib/captureToFile.js";
import type { UploadedFile } from "../services/uploads.js";
import { HttpProblem } from "./HttpProblem.js";

export type MultipartLimits = {
  /** Largest file part, in bytes (413 past it). */
  fileBytes: number;
  /** Largest text field, in bytes (413 past it). */
  fieldBytes: number;
  /** Most text fields (400 past it). */
  fields: number;
  /** Most file parts (400 past it). */
  files: number;
};

export type MultipartHandlers = {
  /** Receives each text field in body order; throw an HttpProblem to refuse the request. */
  field(name: string, value: string): void;
  /**
   * Decides on each file part in body order: true captures it, false discards its bytes; throw
   * an HttpProblem to refuse the request.
   */
  file(name: string, info: { filename: string | null; mimeType: string | null }): boolean;
};

/**
 * Reads the whole multipart body of `req`, capturing the accepted file parts into `dir` (which
 * the caller creates and removes). Resolves with the captured files by field name once every
 * byte is on disk; rejects with an HttpProblem (400, 413) and stops reading on the first
 * problem, including a client that goes away mid-body. Never settles before every file write
 * has finished, so the caller may remove `dir` right after.
 */
export function readMultipart(req: IncomingMessage, dir: string, limits: MultipartLimits, handlers: MultipartHandlers): Promise<Map<string, UploadedFile>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fileSize: limits.fileBytes, fieldSize: limits.fieldBytes, fields: limits.fields, files: limits.files },
      });
    } catch {
      reject(new HttpProblem(400, "Expected a multipart/form-data body"));
      return;
    }
    const files = new Map<string, UploadedFile>();
    const writes: Array<Promise<unknown>> = [];
    let failed = false;
    // Every capture must be over before the caller removes their directory.
    const settled = () => Promise.allSettled(writes);
    const fail = (problem: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      // Destroying the parser errors the file stream being written, which ends its capture. Not
      // synchronously: busboy emits events (e.g. a file's "limit") in the middle of its own work
      // and still uses that stream afterwards.
      process.nextTick(() => parser.destroy());
      void settled().then(() => reject(problem));
    };
    const guarded = <T>(step: () => T): T | undefined => {
      try {
        return step();
      } catch (error) {
        fail(error);
        return undefined;
      }
    };

    parser.on("field", (name, value, info) => {
      if (failed) return;
      if (info.valueTruncated) return fail(new HttpProblem(413, `Field '${name}' exceeds ${limits.fieldBytes} bytes`));
      guarded(() => handlers.field(name, value));
    });
    parser.on("file", (name, stream, info) => {
      // Destroying the parser errors every file stream not yet ended ("Unexpected end of
      // file"), kept or not: unobserved, that error would end the process. A kept file's
      // capture sees the error through its own reading.
      stream.on("error", () => undefined);
      const accepted = !failed && guarded(() => handlers.file(name, { filename: info.filename || null, mimeType: info.mimeType || null }));
      if (!accepted) {
        stream.resume();
        return;
      }
      const path = join(dir, `part-${files.size}`);
      stream.on("limit", () => fail(new HttpProblem(413, `File too large: the limit is ${limits.fileBytes} bytes`)));
      const received: UploadedFile = { path, size: 0, head: new Uint8Array(), declaredType: info.mimeType || null, filename: info.filename || null };
      files.set(name, received);
      const write = captureToFile(stream, path).then(({ size, head }) => void Object.assign(received, { size, head }));
      writes.push(write);
      // A failed write fails the request (unless something else already did).
      write.catch(() => fail(new HttpProblem(400, "Could not read the uploaded file")));
    });
    parser.on("fieldsLimit", () => fail(new HttpProblem(400, `Too many fields: at most ${limits.fields}`)));
    parser.on("filesLimit", () => fail(new HttpProblem(400, `Too many files: at most ${limits.files}`)));
    parser.on("error", () => fail(new HttpProblem(400, "Malformed multipart body")));
    parser.on("close", () => {
      if (failed) return;
      void settled().then(() => {
        if (!failed) resolve(files);
      });
    });
    // A client that disconnects mid-body never ends the parser; without this the request (and
    // its temporary files) would wait forever. Bytes received but not yet handed to the parser
    // are lost with the connection too, hence "ended", not "complete".
    const aborted = () => new HttpProblem(400, "The request was aborted before its body was complete");
    req.on("close", () => {
      if (!req.readableEnded) fail(aborted());
    });
    req.on("error", () => fail(aborted()));
    // Gone while the route was still authenticating: "close" has already been emitted.
    if (req.destroyed) return fail(aborted());
    req.pipe(parser);
  });
}
