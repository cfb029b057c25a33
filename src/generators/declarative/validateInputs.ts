import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/** Inputs that do not satisfy a generator's JSON Schema. */
export class InputValidationError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

// Defaults are applied as Pydantic does: a missing field takes its schema default (a copy, so
// one request cannot alter the next one's default). Schemas are compiled once per object.
const ajv = new Ajv2020({ useDefaults: true, allErrors: true, strict: false, coerceTypes: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Pydantic fields declared with `default_factory` are optional yet have no `default` in the JSON
 * Schema: an absent nested model is built from its own defaults, an absent list starts empty.
 * The JSON Schema says so only by leaving such a field out of `required` without a default.
 */
function fillFactoryDefaults(schema: Record<string, unknown>, inputs: Record<string, unknown>): void {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  for (const [field, property] of Object.entries(properties)) {
    if (required.has(field) || Object.hasOwn(property, "default") || inputs[field] !== undefined) continue;
    if (typeof property.$ref === "string") inputs[field] = {};
    else if (property.type === "array") inputs[field] = [];
  }
}

/**
 * ajv fills defaults only where a schema is reached without `anyOf`; Pydantic also fills the
 * defaults of a model given for an `Optional[Model]` or `list[Model] | None` field. Such values
 * are completed here from the referenced `$defs` entry (one level, as Boards' models nest).
 */
function fillAnyOfDefaults(schema: Record<string, unknown>, inputs: Record<string, unknown>): void {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const defs = (schema.$defs ?? {}) as Record<string, Record<string, unknown>>;
  const refDefaults = (ref: unknown): Array<[string, unknown]> => {
    const def = typeof ref === "string" ? defs[ref.replace(/^#\/\$defs\//, "")] : undefined;
    const props = (def?.properties ?? {}) as Record<string, Record<string, unknown>>;
    return Object.entries(props).filter(([, p]) => Object.hasOwn(p, "default")).map(([k, p]) => [k, p.default]);
  };
  const complete = (value: unknown, defaults: Array<[string, unknown]>) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, fallback] of defaults) if (!Object.hasOwn(value, key)) (value as Record<string, unknown>)[key] = structuredClone(fallback);
  };
  for (const [field, property] of Object.entries(properties)) {
    const value = inputs[field];
    if (value === null || value === undefined || !Array.isArray(property.anyOf)) continue;
    for (const alternative of property.anyOf as Array<Record<string, unknown>>) {
      if (alternative.$ref && !Array.isArray(value)) complete(value, refDefaults(alternative.$ref));
      const items = alternative.items as Record<string, unknown> | undefined;
      if (alternative.type === "array" && items?.$ref && Array.isArray(value)) for (const v of value) complete(v, refDefaults(items.$ref));
    }
  }
}

/**
 * Validates inputs against a generator's JSON Schema and returns a copy with defaults applied
 * (top-level and inside nested objects, as Pydantic fills them).
 * @throws InputValidationError listing every problem
 */
export function validateInputs(inputSchema: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
  let validate = compiled.get(inputSchema);
  if (!validate) {
    validate = ajv.compile(inputSchema);
    compiled.set(inputSchema, validate);
  }
  const copy = structuredClone(inputs);
  fillFactoryDefaults(inputSchema, copy);
  if (!validate(copy)) {
    const issues = (validate.errors ?? []).map((e) => ({ path: e.instancePath || "/", message: e.message ?? "invalid" }));
    throw new InputValidationError(`Invalid inputs: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues);
  }
  fillAnyOfDefaults(inputSchema, copy);
  return copy;
}
