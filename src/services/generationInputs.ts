/**
 * Validating a generator's inputs and resolving artifact inputs. Used at submit time (so bad
 * input is refused before anything is queued) and again by the worker (authoritative: inputs
 * may have changed or vanished in between).
 *
 * Clients send generation IDs for artifact fields; each must exist in the tenant, be readable by
 * the caller, be COMPLETED, be of the field's artifact type and have a stored artifact. The
 * generator then receives artifact objects ({ generation_id, storage_url, format, … }).
 */
import { z } from "zod";
import type { FieldError } from "../errors.js";
import type { ArtifactType, Generation } from "../generated/prisma/client.js";
import { artifactSlots, type Artifact, type ArtifactSlot } from "../generators/artifacts.js";
import { isDeclared, type AnyGenerator, type Generator } from "../generators/Generator.js";
import { prepareDeclaredInputs } from "./declaredInputs.js";
import { UUID_PATTERN } from "../lib/uuid.js";

/** A lineage entry as stored in `generations.input_artifacts` (Boards' shape). */
export type LineageEntry = { generation_id: string; role: string; artifact_type: string };

export type PreparedInputs = {
  /** Parameters to store: as submitted, with defaults applied (artifact fields keep their IDs). */
  storedParams: Record<string, unknown>;
  /** Inputs for `generate`: artifact fields replaced by artifact objects. */
  inputs: Record<string, unknown>;
  lineage: LineageEntry[];
};

export type PrepareResult = { ok: true; value: PreparedInputs } | { ok: false; fieldErrors: FieldError[] };

/** Looks up candidate input generations; returns only those the caller may use. */
export type ArtifactLookup = (ids: string[]) => Promise<Generation[]>;

export type PrepareOptions = {
  /**
   * Treat missing artifact inputs, required ones too, as absent: a client asks for a price
   * before it has picked the image. Artifact ids that are given are still checked.
   */
  artifactsOptional?: boolean;
};

const uuid = z.string().regex(UUID_PATTERN, "must be a generation id");

const submitSchemas = new WeakMap<Generator, z.ZodObject>();
const estimateSchemas = new WeakMap<Generator, { submit: z.ZodObject; full: z.ZodObject }>();

/** The submit-time schema: artifact fields take generation IDs instead of artifact objects. */
function buildSubmitSchema(generator: Generator, slots: ArtifactSlot[], artifactsOptional: boolean): z.ZodObject {
  const overrides: Record<string, z.ZodType> = {};
  for (const slot of slots) {
    let field: z.ZodType = slot.list ? z.array(uuid).min(slot.minItems).max(slot.maxItems) : uuid;
    if (slot.optional || artifactsOptional) field = field.optional().nullable();
    overrides[slot.field] = field;
  }
  return generator.inputSchema.extend(overrides);
}

/** The schemas to check a submission with (built once per generator and mode). */
function schemasFor(generator: Generator, slots: ArtifactSlot[], artifactsOptional: boolean): { submit: z.ZodObject; full: z.ZodObject } {
  if (!artifactsOptional) {
    let submit = submitSchemas.get(generator);
    if (!submit) submitSchemas.set(generator, (submit = buildSubmitSchema(generator, slots, false)));
    return { submit, full: generator.inputSchema };
  }
  let schemas = estimateSchemas.get(generator);
  if (!schemas) {
    const shape = generator.inputSchema.shape as Record<string, z.ZodType>;
    const optionalArtifacts = Object.fromEntries(slots.map((slot) => [slot.field, shape[slot.field]!.optional()]));
    schemas = { submit: buildSubmitSchema(generator, slots, true), full: generator.inputSchema.extend(optionalArtifacts) };
    estimateSchemas.set(generator, schemas);
  }
  return schemas;
}

function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.join(".") || "inputParams", message: issue.message }));
}

/** The artifact object a generator receives for a completed input generation. */
export function artifactFrom(row: Generation): Artifact {
  const meta = (row.outputMetadata ?? {}) as Record<string, unknown>;
  const num = (key: string) => (typeof meta[key] === "number" ? (meta[key] as number) : undefined);
  const str = (key: string, fallback: string) => (typeof meta[key] === "string" ? (meta[key] as string) : fallback);
  const base = { generation_id: row.id, storage_url: row.storageUrl ?? "" };
  switch (row.artifactType) {
    case "VIDEO":
      return { ...base, format: str("format", "mp4"), duration: num("duration"), width: num("width"), height: num("height"), fps: num("fps") };
    case "AUDIO":
      return { ...base, format: str("format", "mp3"), duration: num("duration"), sample_rate: num("sample_rate"), channels: num("channels") };
    case "TEXT":
      return { ...base, format: str("format", "plain"), content: str("content", "") };
    default:
      return { ...base, format: str("format", "png"), width: num("width"), height: num("height") };
  }
}

/** Why a generation cannot be used as an input of this type, or null when it can. */
export function checkInput(row: Generation | undefined, id: string, expected: ArtifactType): string | null {
  if (!row) return `Generation ${id} not found`;
  if (row.status !== "COMPLETED") return `Generation ${id} is not completed (status: ${row.status.toLowerCase()})`;
  if (row.artifactType !== expected) {
    return `Generation ${id} has wrong artifact type: expected ${expected.toLowerCase()}, got ${row.artifactType.toLowerCase()}`;
  }
  if (!row.storageUrl) return `Generation ${id} has no stored artifact`;
  return null;
}

/**
 * Validates `params` for `generator` and resolves its artifact inputs through `lookup`.
 * Never throws for bad input: problems come back as field errors, keyed by input field name.
 */
export async function prepareGenerationInputs(
  generator: AnyGenerator,
  params: unknown,
  lookup: ArtifactLookup,
  options: PrepareOptions = {},
): Promise<PrepareResult> {
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    return { ok: false, fieldErrors: [{ field: "inputParams", message: "must be a JSON object" }] };
  }
  if (isDeclared(generator)) return prepareDeclaredInputs(generator, params as Record<string, unknown>, lookup, options);
  return prepareCodeInputs(generator, params, lookup, options);
}

async function prepareCodeInputs(generator: Generator, params: object, lookup: ArtifactLookup, options: PrepareOptions): Promise<PrepareResult> {
  const slots = artifactSlots(generator.inputSchema);
  const schemas = schemasFor(generator, slots, options.artifactsOptional === true);
  const submitted = schemas.submit.safeParse(params);
  if (!submitted.success) return { ok: false, fieldErrors: zodFieldErrors(submitted.error) };
  const storedParams = submitted.data as Record<string, unknown>;

  const idsBySlot = slots.map((slot) => {
    const value = storedParams[slot.field];
    return { slot, ids: value === undefined || value === null ? [] : slot.list ? (value as string[]) : [value as string] };
  });
  const allIds = [...new Set(idsBySlot.flatMap((s) => s.ids.map((id) => id.toLowerCase())))];
  const rows = new Map((allIds.length ? await lookup(allIds) : []).map((r) => [r.id, r]));

  const fieldErrors: FieldError[] = [];
  const inputs: Record<string, unknown> = { ...storedParams };
  const lineage: LineageEntry[] = [];
  for (const { slot, ids } of idsBySlot) {
    if (ids.length === 0) {
      // An optional artifact input sent as null means "not given".
      if (storedParams[slot.field] === null) {
        delete storedParams[slot.field];
        delete inputs[slot.field];
      }
      continue;
    }
    const artifacts: Artifact[] = [];
    for (const rawId of ids) {
      const id = rawId.toLowerCase();
      const row = rows.get(id);
      const problem = checkInput(row, id, slot.artifactType);
      if (problem) {
        fieldErrors.push({ field: slot.field, message: problem });
        continue;
      }
      artifacts.push(artifactFrom(row!));
      lineage.push({ generation_id: id, role: slot.field, artifact_type: slot.artifactType.toLowerCase() });
    }
    inputs[slot.field] = slot.list ? artifacts : artifacts[0];
  }
  if (fieldErrors.length) return { ok: false, fieldErrors };

  const full = schemas.full.safeParse(inputs);
  if (!full.success) return { ok: false, fieldErrors: zodFieldErrors(full.error) };
  return { ok: true, value: { storedParams, inputs: full.data as Record<string, unknown>, lineage } };
}
