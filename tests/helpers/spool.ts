/**
 * The upload spool directory (BOARDS_UPLOAD_TEMP_DIR) seen from outside: what is left in it,
 * and a client that leaves in the middle of an upload.
 */
import { readdir } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { expect } from "vitest";

/** Every file under `dir`, as paths relative to it. */
export async function spooledFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
  } catch (error) {
    // A request's directory removed mid-listing: look again later.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/**
 * Everything under `dir`, directories included. A directory removed while it is being listed
 * (the server cleaning up right now) makes the listing fail with ENOENT: that counts as "not
 * empty yet".
 */
async function spooled(dir: string): Promise<string[]> {
  try {
    return await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return ["(being removed)"];
    throw error;
  }
}

async function poll(check: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Waits (a bounded number of polls) for the spool directory to be empty and fails the test with
 * what is left otherwise. The server removes a request's files as the request ends, which can be
 * just after the client has its answer.
 */
export async function expectSpoolEmpty(dir: string): Promise<void> {
  await poll(async () => (await spooled(dir)).length === 0);
  expect(await spooled(dir)).toEqual([]);
}

/**
 * POSTs a multipart body that starts with `head` (ending inside a file part) to `url`, keeps
 * sending file bytes until the server has spooled some of them into `dir`, then drops the
 * connection without finishing the body.
 */
export async function abortMidUpload(url: string, headers: Record<string, string>, head: string, dir: string): Promise<void> {
  const req = request(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" }, agent: false });
  req.on("error", () => undefined);
  req.on("response", (res) => res.resume());
  req.write(head);
  const chunk = Buffer.alloc(8 * 1024, 97);
  const started = await poll(async () => {
    req.write(chunk);
    return (await spooledFiles(dir)).length > 0;
  });
  req.destroy();
  expect(started, "the server never started spooling the file").toBe(true);
}
