/**
 * Inputs of a declared provider generator: validated against the declaration's JSON Schema (the
 * very schema clients render their forms from), with Pydantic's defaults applied, and its
 * artifact fields — required, optional (`anyOf` with null) or lists — resolved from generation ids
 * like a code generator's.
 */
import type { FieldError } from "../errors.js";
import type { ArtifactType } from "../generated/prisma/client.js";
import type { Artifact } from "../generators/artifacts.js";
import { artifactFields } from "../generators/declarative/artifactFields.js";
import { InputValidationError, validateInputs } from "../generators/declarative/validateInputs.js";
import type { DeclaredGenerator } from "../generators/Generator.js";
import { UUID_PATTERN } from "../lib/uuid.js";
import { artifactFrom, checkInput, type ArtifactLookup, type LineageEntry, type PrepareOptions, type PrepareResult } from "./generationInputs.js";

type JsonSchema = Record<string, unknown>;

const withoutArtifacts = new WeakMap<JsonSchema, Map<string, JsonSchema>>();

/**
 * The schema without some artifact fields a caller left out, for pricing before inputs are picked.
 * They are dropped from `properties` as well as `required`: an absent field without a default
 * that is merely not required would get Pydantic's factory default (`{}` or `[]`) and then fail.
 * Built once per schema and set of fields, so the validator compiled for it is reused.
 */
function withoutAbsentArtifacts(schema: JsonSchema, absent: string[]): JsonSchema {
  if (absent.length === 0) return schema;
  let variants = withoutArtifacts.get(schema);
  if (!variants) withoutArtifacts.set(schema, (variants = new Map()));
  const key = absent.join("\u0000");
  let relaxed = variants.get(key);
  if (!relaxed) {
    const properties = Object.fromEntries(Object.entries((schema.properties ?? {}) as JsonSchema).filter(([field]) => !absent.includes(field)));
    const required = ((schema.required ?? []) as string[]).filter((field) => !absent.includes(field));
    relaxed = { ...schema, properties, required };
    variants.set(key, relaxed);
  }
  return relaxed;
}

/** JSON Pointer of an ajv error (`/image_size/width`) as a dotted field name. */
function fieldOf(path: string): string {
  return path.replace(/^\//, "").replaceAll("/", ".") || "inputParams";
}

/** Drops members that are undefined, which the artifact schemas spell as absent (default null). */
function withoutUndefined(artifact: Artifact): Record<string, unknown> {
  return Object.fromEntries(Object.entries(artifact).filter(([, v]) => v !== undefined));
}

/**
 * Validates `params` for a declared generator and resolves its artifact inputs through `lookup`.
 * Never throws for bad input: problems come back as field errors.
 */
export async function prepareDeclaredInputs(
  generator: DeclaredGenerator,
  params: Record<string, unknown>,
  lookup: ArtifactLookup,
  options: PrepareOptions = {},
): Promise<PrepareResult> {
  const declared = generator.declaration.inputSchema;
  const fields = artifactFields(declared);
  const fieldErrors: FieldError[] = [];
  const idsByField = new Map<string, string[]>();
  for (const field of fields) {
    const value = params[field.field];
    if (value === undefined || value === null) {
      if (!field.optional && !options.artifactsOptional) fieldErrors.push({ field: field.field, message: field.list ? "is required (a list of generation ids)" : "is required (a generation id)" });
      continue;
    }
    const ids = field.list ? value : [value];
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string" && UUID_PATTERN.test(id))) {
      fieldErrors.push({ field: field.field, message: field.list ? "must be a list of generation ids" : "must be a generation id" });
      continue;
    }
    if (field.list && (ids.length < field.minItems || (field.maxItems !== undefined && ids.length > field.maxItems))) {
      const bounds = field.maxItems === undefined ? `at least ${field.minItems}` : `${field.minItems}–${field.maxItems}`;
      fieldErrors.push({ field: field.field, message: `must list ${bounds} generation ids` });
      continue;
    }
    idsByField.set(field.field, (ids as string[]).map((id) => id.toLowerCase()));
  }
  if (fieldErrors.length) return { ok: false, fieldErrors };

  const allIds = [...new Set([...idsByField.values()].flat())];
  const rows = new Map((allIds.length ? await lookup(allIds) : []).map((r) => [r.id, r]));
  const inputs: Record<string, unknown> = { ...params };
  const lineage: LineageEntry[] = [];
  for (const field of fields) {
    const ids = idsByField.get(field.field);
    if (!ids) {
      delete inputs[field.field];
      continue;
    }
    const expected = field.kind.toUpperCase() as ArtifactType;
    const artifacts: Record<string, unknown>[] = [];
    for (const id of ids) {
      const problem = checkInput(rows.get(id), id, expected);
      if (problem) {
        fieldErrors.push({ field: field.field, message: problem });
        continue;
      }
      artifacts.push(withoutUndefined(artifactFrom(rows.get(id)!)));
      lineage.push({ generation_id: id, role: field.field, artifact_type: field.kind });
    }
    inputs[field.field] = field.list ? artifacts : artifacts[0];
  }
  if (fieldErrors.length) return { ok: false, fieldErrors };

  // Absent artifact fields with a default (null) keep it, as at submit; the others would fail.
  const properties = (declared.properties ?? {}) as Record<string, JsonSchema>;
  const absent = options.artifactsOptional
    ? fields.filter((f) => !idsByField.has(f.field) && !Object.hasOwn(properties[f.field] ?? {}, "default")).map((f) => f.field)
    : [];
  const schema = withoutAbsentArtifacts(declared, absent);
  let validated: Record<string, unknown>;
  try {
    validated = validateInputs(schema, inputs);
  } catch (error) {
    if (!(error instanceof InputValidationError)) throw error;
    return { ok: false, fieldErrors: error.issues.map((i) => ({ field: fieldOf(i.path), message: i.message })) };
  }
  // Stored as submitted, with defaults: artifact fields keep their ids.
  const storedParams: Record<string, unknown> = { ...validated };
  for (const field of fields) {
    const ids = idsByField.get(field.field);
    if (ids) storedParams[field.field] = field.list ? ids : ids[0];
    else delete storedParams[field.field];
  }
  return { ok: true, value: { storedParams, inputs: validated, lineage } };
}
