/**
 * POST /api/uploads/artifact as the Boards client's upload hook sends it (multipart fields, then
 * the file).
 */
import type { Actor } from "./actors.js";
import type { TestServer } from "./server.js";

export type UploadFields = { board_id?: string; artifact_type?: string; user_description?: string; parent_generation_id?: string };
export type UploadFile = { bytes: Buffer; name: string; type: string };

/** Sends an upload as `actor` (anonymous when null) to `tenant` (the actor's by default). */
export async function postUpload(
  server: TestServer,
  actor: Actor | null,
  fields: UploadFields,
  file: UploadFile | null,
  tenant = actor?.tenant,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.append(k, v);
  if (file) form.append("file", new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  const headers: Record<string, string> = tenant ? { "x-tenant": tenant } : {};
  if (actor) headers.authorization = `Bearer ${actor.token}`;
  const response = await fetch(`${server.url}/api/uploads/artifact`, { method: "POST", headers, body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
