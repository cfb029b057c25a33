/**
 * The declaration format: one generator as data. A declaration names the provider endpoint,
 * serves its input JSON Schema verbatim, and says with a small expression language (see
 * ./evaluate.ts) how validated inputs become the provider's arguments, where the output files
 * are in the provider's result, and what a run costs. Adding a provider model is one more entry
 * in the catalogue (or in a generators config file), no code.
 */
import { z } from "zod";

/**
 * A value computed from the inputs (and, in output mappings, from one result item).
 * - a string is an input path (`prompt`, `voice_setting.speed`); a number, boolean or null is itself
 * - `{const}` a literal (strings, objects); `{input, default?}` an input path
 * - `{url}` the provider URL of an artifact input (the first when it is a list); `{urls}` all of them
 * - `{object: {key: Arg}}` a nested object built like the top-level arguments; `{compact}` drops null members
 * - `{map, table, default?}` looks a value up; `{template}` fills `{path}` placeholders
 * - `{if, then, else?}`; `{first: [...]}` the first value that is not null
 * - `{transform}` a named function in ./transforms.ts, for what data cannot say
 * - `{item, default?}` a path in the current result item (output mappings only)
 * - arithmetic: `{add}`, `{mul}`, `{sub}`, `{div}`, `{min}`, `{max}`, `{len}`, `{number}`, `{floor}`
 */
export type Expr =
  | string
  | number
  | boolean
  | null
  | { const: unknown }
  | { input: string; default?: unknown }
  | { url: string }
  | { urls: string }
  | { object: Record<string, Arg> }
  | { compact: Expr }
  | { map: Expr; table: Record<string, unknown>; default?: Expr }
  | { template: string }
  | { if: Cond; then: Expr; else?: Expr }
  | { first: Expr[] }
  | { transform: string; args?: Record<string, unknown> }
  | { item: string; default?: unknown }
  | { add: Expr[] }
  | { mul: Expr[] }
  | { sub: [Expr, Expr] }
  | { div: [Expr, Expr] }
  | { min: Expr[] }
  | { max: Expr[] }
  | { len: Expr }
  | { number: Expr }
  | { floor: Expr };

/** An argument: an expression, optionally left out when its value is null/falsy or a condition fails. */
export type Arg = Expr | (Exclude<Expr, string | number | boolean | null> & { omit?: "null" | "falsy"; when?: Cond });

/** A condition over the inputs. `present`: not null/absent; `truthy`: as Python's truthiness. */
export type Cond =
  | { present: string }
  | { truthy: Expr }
  | { eq: [Expr, Expr] }
  | { in: [Expr, unknown[]] }
  | { gt: [Expr, Expr] }
  | { gte: [Expr, Expr] }
  | { lt: [Expr, Expr] }
  | { lte: [Expr, Expr] }
  | { not: Cond }
  | { and: Cond[] }
  | { or: Cond[] };

export const PROVIDERS = ["fal", "replicate", "openai", "kie"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * Where a request goes. fal: an app id; Replicate: `owner/name` (or a version id); OpenAI: an API
 * and a model; Kie: a Market model (`POST /api/v1/jobs/createTask`, optionally chosen by a
 * condition) or a dedicated API path with its status path.
 */
export type Endpoint =
  | { app: string }
  | { model: string; version?: string }
  | { api: "images.generate" | "audio.transcriptions"; model: string }
  | { api: "market"; model: string; modelWhen?: Array<{ when: Cond; model: string }> }
  | { api: "dedicated"; path: string; statusPath: string };

/** Where the output files are in the provider's result, and what they are. */
export type OutputMapping = {
  /** Result paths to the output items, tried in order: `images[]`, `video`, `output`, `resultJson|json.resultUrls[]`. */
  items: string[];
  /** The URL within an item (`url`; `.` when the item is the URL itself). */
  url?: string;
  /** The text within an item, for text outputs. */
  text?: string;
  width?: Expr;
  height?: Expr;
  durationSeconds?: Expr;
  contentType?: Expr;
  /** File format as Boards stores it (png, mp4, …). */
  format?: Expr;
  /**
   * More files of the same output (a song's cover art, a video's separate audio track): a path in
   * the item to a URL or a list of URLs, the kind of file, and its role (the file's `type` as
   * clients see it, e.g. `cover`). Stored beside the output as its `additionalFiles`.
   */
  additionalFiles?: AdditionalFileMapping[];
};

/** One kind of additional file an output item carries. */
export type AdditionalFileMapping = { url: string; kind: "image" | "video" | "audio" | "text"; role: string };

/** A rule that fails the request with `message` when `failIf` holds (checks Boards makes in code). */
export type InputCheck = { failIf: Cond; message: string };

/** One generator, as data. */
export type GeneratorDeclaration = {
  name: string;
  provider: ProviderName;
  artifactType: "image" | "video" | "audio" | "text";
  description: string;
  /** Boards' Python class, so a Boards generators.yaml `class:` entry finds this declaration. */
  pythonClass?: string;
  endpoint: Endpoint;
  /** JSON Schema of the inputs, served verbatim to clients. */
  inputSchema: Record<string, unknown>;
  args: Record<string, Arg>;
  checks?: InputCheck[];
  outputs: OutputMapping;
  /** Estimated USD cost; null where Boards has no estimate. */
  cost: Expr;
  /** How long a run may take before it is given up (default: 30 min for video, else 10 min). */
  maxWaitSeconds?: number;
};

export const ExprSchema: z.ZodType<Expr> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.strictObject({ const: z.unknown() }),
    z.strictObject({ input: z.string(), default: z.unknown().optional() }),
    z.strictObject({ url: z.string() }),
    z.strictObject({ urls: z.string() }),
    z.strictObject({ object: z.record(z.string(), ArgSchema) }),
    z.strictObject({ compact: ExprSchema }),
    z.strictObject({ map: ExprSchema, table: z.record(z.string(), z.unknown()), default: ExprSchema.optional() }),
    z.strictObject({ template: z.string() }),
    z.strictObject({ if: CondSchema, then: ExprSchema, else: ExprSchema.optional() }),
    z.strictObject({ first: z.array(ExprSchema).min(1) }),
    z.strictObject({ transform: z.string(), args: z.record(z.string(), z.unknown()).optional() }),
    z.strictObject({ item: z.string(), default: z.unknown().optional() }),
    z.strictObject({ add: z.array(ExprSchema) }),
    z.strictObject({ mul: z.array(ExprSchema) }),
    z.strictObject({ sub: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ div: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ min: z.array(ExprSchema) }),
    z.strictObject({ max: z.array(ExprSchema) }),
    z.strictObject({ len: ExprSchema }),
    z.strictObject({ number: ExprSchema }),
    z.strictObject({ floor: ExprSchema }),
  ]),
) as z.ZodType<Expr>;

const ArgSchema: z.ZodType<Arg> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z
      .record(z.string(), z.unknown())
      .superRefine((value, ctx) => {
        const { omit, when, ...rest } = value;
        if (omit !== undefined && omit !== "null" && omit !== "falsy") ctx.addIssue({ code: "custom", message: "omit must be 'null' or 'falsy'" });
        if (when !== undefined && !CondSchema.safeParse(when).success) ctx.addIssue({ code: "custom", message: "invalid 'when' condition" });
        const inner = ExprSchema.safeParse(rest);
        if (!inner.success) ctx.addIssue({ code: "custom", message: `invalid expression ${JSON.stringify(rest).slice(0, 120)}` });
      }),
  ]),
) as z.ZodType<Arg>;

const CondSchema: z.ZodType<Cond> = z.lazy(() =>
  z.union([
    z.strictObject({ present: z.string() }),
    z.strictObject({ truthy: ExprSchema }),
    z.strictObject({ eq: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ in: z.tuple([ExprSchema, z.array(z.unknown())]) }),
    z.strictObject({ gt: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ gte: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ lt: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ lte: z.tuple([ExprSchema, ExprSchema]) }),
    z.strictObject({ not: CondSchema }),
    z.strictObject({ and: z.array(CondSchema) }),
    z.strictObject({ or: z.array(CondSchema) }),
  ]),
) as z.ZodType<Cond>;

const EndpointSchema = z.union([
  z.strictObject({ app: z.string().min(1) }),
  z.strictObject({ model: z.string().min(1), version: z.string().optional() }),
  z.strictObject({ api: z.enum(["images.generate", "audio.transcriptions"]), model: z.string().min(1) }),
  z.strictObject({ api: z.literal("market"), model: z.string().min(1), modelWhen: z.array(z.strictObject({ when: CondSchema, model: z.string() })).optional() }),
  z.strictObject({ api: z.literal("dedicated"), path: z.string().startsWith("/"), statusPath: z.string().startsWith("/") }),
]);

/** Validates one declaration (catalogue entry or generators-config entry). */
export const GeneratorDeclarationSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "must be lowercase letters, digits, '.', '_' or '-'"),
  provider: z.enum(PROVIDERS),
  artifactType: z.enum(["image", "video", "audio", "text"]),
  description: z.string(),
  pythonClass: z.string().optional(),
  endpoint: EndpointSchema,
  inputSchema: z.record(z.string(), z.unknown()).refine((s) => s.type === "object", "must be a JSON Schema of type object"),
  args: z.record(z.string(), ArgSchema),
  checks: z.array(z.strictObject({ failIf: CondSchema, message: z.string() })).optional(),
  outputs: z.strictObject({
    items: z.array(z.string().min(1)).min(1),
    url: z.string().optional(),
    text: z.string().optional(),
    width: ExprSchema.optional(),
    height: ExprSchema.optional(),
    durationSeconds: ExprSchema.optional(),
    contentType: ExprSchema.optional(),
    format: ExprSchema.optional(),
    additionalFiles: z
      .array(z.strictObject({ url: z.string().min(1), kind: z.enum(["image", "video", "audio", "text"]), role: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/) }))
      .max(4)
      .optional(),
  }),
  cost: ExprSchema,
  maxWaitSeconds: z.number().int().positive().optional(),
}) satisfies z.ZodType<GeneratorDeclaration>;

/** The longest a run of this generator may take, in seconds. */
export function maxWaitSeconds(decl: GeneratorDeclaration): number {
  return decl.maxWaitSeconds ?? (decl.artifactType === "video" ? 30 * 60 : 10 * 60);
}
