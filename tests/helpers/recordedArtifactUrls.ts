/**
 * Artifact URLs for replaying the recorded Boards runs (tests/fixtures/boards-generator-runs.json):
 * the recording handed each uploaded artifact back as `https://uploads.test/<generation id>`.
 */
import { artifactFields } from "../../src/generators/declarative/artifactFields.js";
import type { GeneratorDeclaration } from "../../src/generators/declarative/GeneratorDeclaration.js";

const recordedUpload = (generationId: string) => `https://uploads.test/${generationId}`;

/**
 * The provider URL of each artifact input present in `inputs`, by field (a list for list fields).
 * @param urlOf the URL for one artifact's generation id (default: the recording's upload URL)
 */
export function recordedArtifactUrls(
  decl: GeneratorDeclaration,
  inputs: Record<string, unknown>,
  urlOf: (generationId: string) => string = recordedUpload,
): Record<string, string | string[]> {
  const urlFor = (artifact: unknown) => urlOf((artifact as { generation_id: string }).generation_id);
  const urls: Record<string, string | string[]> = {};
  for (const slot of artifactFields(decl.inputSchema)) {
    const value = inputs[slot.field];
    if (value === null || value === undefined) continue;
    urls[slot.field] = Array.isArray(value) ? value.map(urlFor) : urlFor(value);
  }
  return urls;
}
