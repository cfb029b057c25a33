/** Lowercase artifact kinds, as Boards' `$defs` names them (ImageArtifact…). */
export type ArtifactKind = "image" | "video" | "audio" | "text";

/** An input field that takes artifacts. */
export type ArtifactField = {
  field: string;
  kind: ArtifactKind;
  list: boolean;
  /** May be absent or null (`anyOf` with null, or not required). */
  optional: boolean;
  minItems: number;
  maxItems: number | undefined;
};

type JsonSchema = Record<string, unknown>;

function kindOfRef(schema: JsonSchema): ArtifactKind | undefined {
  const ref = schema.$ref;
  if (typeof ref !== "string") return undefined;
  const match = /^#\/\$defs\/(Image|Video|Audio|Text)Artifact$/.exec(ref);
  return match ? (match[1]!.toLowerCase() as ArtifactKind) : undefined;
}

/**
 * The artifact fields of a JSON Schema: `$ref` to an artifact definition, or a list of them,
 * either one also inside `anyOf` with null. Boards only finds the required, non-nullable ones;
 * optional ones are resolved the same way here.
 */
export function artifactFields(inputSchema: JsonSchema): ArtifactField[] {
  const properties = (inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((inputSchema.required ?? []) as string[]);
  const fields: ArtifactField[] = [];
  for (const [field, property] of Object.entries(properties)) {
    let optional = !required.has(field);
    let candidates = [property];
    if (Array.isArray(property.anyOf)) {
      const alternatives = property.anyOf as JsonSchema[];
      if (alternatives.some((a) => a.type === "null")) optional = true;
      candidates = alternatives.filter((a) => a.type !== "null");
    }
    for (const candidate of candidates) {
      const direct = kindOfRef(candidate);
      if (direct) {
        fields.push({ field, kind: direct, list: false, optional, minItems: 1, maxItems: 1 });
        break;
      }
      if (candidate.type === "array" && candidate.items && typeof candidate.items === "object") {
        const kind = kindOfRef(candidate.items as JsonSchema);
        if (kind) {
          fields.push({
            field,
            kind,
            list: true,
            optional,
            minItems: typeof candidate.minItems === "number" ? candidate.minItems : 0,
            maxItems: typeof candidate.maxItems === "number" ? candidate.maxItems : undefined,
          });
          break;
        }
      }
    }
  }
  return fields;
}
