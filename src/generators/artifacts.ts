/**
 * Artifact input types. A generator declares an input field with one of these schemas (or an
 * array of one, optional or not); clients send generation IDs for such fields, and the server
 * replaces them with these objects before the generator runs. In the JSON Schema clients see,
 * each appears as `$ref: "#/$defs/ImageArtifact"` (etc.), the shape the Boards client parses.
 */
import { z } from "zod";
import type { ArtifactType } from "../generated/prisma/client.js";

const base = {
  generation_id: z.string().describe("Id of the generation that produced the artifact"),
  storage_url: z.string().describe("Where the artifact can be fetched"),
  format: z.string().describe("File format, e.g. png"),
};

export const ImageArtifact = z
  .object({ ...base, width: z.number().int().positive().optional(), height: z.number().int().positive().optional() })
  .meta({ id: "ImageArtifact", title: "ImageArtifact" });

export const VideoArtifact = z
  .object({
    ...base,
    duration: z.number().nonnegative().optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    fps: z.number().positive().optional(),
  })
  .meta({ id: "VideoArtifact", title: "VideoArtifact" });

export const AudioArtifact = z
  .object({
    ...base,
    duration: z.number().nonnegative().optional(),
    sample_rate: z.number().int().positive().optional(),
    channels: z.number().int().positive().optional(),
  })
  .meta({ id: "AudioArtifact", title: "AudioArtifact" });

export const TextArtifact = z
  .object({ ...base, content: z.string() })
  .meta({ id: "TextArtifact", title: "TextArtifact" });

export type ImageArtifact = z.infer<typeof ImageArtifact>;
export type VideoArtifact = z.infer<typeof VideoArtifact>;
export type AudioArtifact = z.infer<typeof AudioArtifact>;
export type TextArtifact = z.infer<typeof TextArtifact>;
export type Artifact = ImageArtifact | VideoArtifact | AudioArtifact | TextArtifact;

const ARTIFACT_SCHEMAS = new Map<z.ZodType, ArtifactType>([
  [ImageArtifact, "IMAGE"],
  [VideoArtifact, "VIDEO"],
  [AudioArtifact, "AUDIO"],
  [TextArtifact, "TEXT"],
]);

/** An input field that takes artifacts: its type, whether it is a list, whether it may be absent. */
export type ArtifactSlot = {
  field: string;
  artifactType: ArtifactType;
  list: boolean;
  optional: boolean;
  minItems: number;
  maxItems: number;
};

/**
 * The artifact type a schema stands for. `.describe()`/`.meta()` return copies whose
 * `_zod.parent` points back at the original, so the chain of parents is searched too.
 */
function artifactTypeOf(schema: z.ZodType): ArtifactType | undefined {
  let current: z.ZodType | undefined = schema;
  for (let hops = 0; current && hops < 20; hops++) {
    const type = ARTIFACT_SCHEMAS.get(current);
    if (type) return type;
    current = (current as unknown as { _zod: { parent?: z.ZodType } })._zod.parent;
  }
  return undefined;
}

function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean } {
  let optional = false;
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      optional = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDefault) {
      optional = true;
      current = current.def.innerType as z.ZodType;
    } else {
      return { inner: current, optional };
    }
  }
}

/**
 * The artifact fields of a generator's input schema (top-level fields only, optional ones
 * included — Boards misses those).
 */
export function artifactSlots(schema: z.ZodObject): ArtifactSlot[] {
  const slots: ArtifactSlot[] = [];
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    const { inner, optional } = unwrap(fieldSchema as z.ZodType);
    const direct = artifactTypeOf(inner);
    if (direct) {
      slots.push({ field, artifactType: direct, list: false, optional, minItems: 1, maxItems: 1 });
      continue;
    }
    if (inner instanceof z.ZodArray) {
      const element = artifactTypeOf(inner.element as z.ZodType);
      if (element) {
        const checks = (inner.def.checks ?? []) as Array<{ _zod: { def: { check: string; minimum?: number; maximum?: number } } }>;
        const min = checks.find((c) => c._zod.def.check === "min_length")?._zod.def.minimum ?? 0;
        const max = checks.find((c) => c._zod.def.check === "max_length")?._zod.def.maximum ?? 100;
        slots.push({ field, artifactType: element, list: true, optional, minItems: min, maxItems: max });
      }
    }
  }
  return slots;
}
