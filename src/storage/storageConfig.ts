/**
 * Storage configuration: named providers, routing rules and the size limit, from a YAML/JSON
 * file (BOARDS_STORAGE_CONFIG_PATH, Boards' format) and environment variables. `${VAR}`
 * placeholders in the file's values are expanded from the environment.
 *
 *   storage:
 *     default_provider: local
 *     max_file_size: 100MB
 *     providers:
 *       local: { type: local, config: { base_path: ./storage, public_url_base: https://api.example.com/api/storage } }
 *       media: { type: s3, config: { bucket: "${MEDIA_BUCKET}", region: eu-west-1 } }
 *     routing_rules:                       # first match wins, else default_provider
 *       - condition: { artifact_type: video }
 *         provider: media
 *       - condition: { size_gt: 50MB }
 *         provider: media
 *
 * Environment variables win over the file: BOARDS_STORAGE_LOCAL_* define or override the
 * `local` provider (always present without a file), BOARDS_STORAGE_S3_* the `s3` provider
 * (when BOARDS_STORAGE_S3_BUCKET is set), BOARDS_STORAGE_DEFAULT_PROVIDER,
 * BOARDS_STORAGE_ROUTING_RULES (JSON list) and BOARDS_STORAGE_MAX_FILE_SIZE the rest.
 * Unlike Boards, mistakes stop start-up with every problem listed instead of being skipped.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isTrueText } from "../lib/booleanText.js";
import { parseByteSize } from "../lib/byteSize.js";
import { expandVariables } from "../lib/expandVariables.js";
import type { S3StorageConfig } from "./S3Storage.js";

export const ROUTABLE_TYPES = ["IMAGE", "VIDEO", "AUDIO", "TEXT", "LORA", "MODEL"] as const;
export type RoutableType = (typeof ROUTABLE_TYPES)[number];

export type LocalProviderConfig = { type: "local"; basePath: string; publicUrlBase: string };
export type S3ProviderConfig = { type: "s3" } & S3StorageConfig;
export type ProviderConfig = LocalProviderConfig | S3ProviderConfig;

/** One routing rule: every condition given must hold. */
export type RoutingRule = { artifactTypes?: RoutableType[]; sizeGt?: number; provider: string };

export type StorageConfig = {
  defaultProvider: string;
  providers: Record<string, ProviderConfig>;
  rules: RoutingRule[];
  /** Largest object stored (generator outputs and uploads alike). */
  maxFileSize: number;
};

const DEFAULT_MAX_FILE_SIZE = 100 * 2 ** 20;
/** A provider's name (also stored in `generations.storage_provider`, VARCHAR(50)). */
export const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$/;
/** A key prefix inside a bucket: safe key segments separated by `/`. */
export const KEY_PREFIX = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

const byteSize = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const bytes = parseByteSize(v);
  if (bytes === null) ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is not a size (e.g. 104857600 or "100MB")` });
  return bytes ?? 0;
});
const providerName = z.string().regex(PROVIDER_NAME, "must be letters, digits, '_' or '-' (at most 50)");
// An empty value (e.g. `${VAR:-}`) means "not set", as it does for environment variables.
const optionalText = z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().optional());
const optionalUrl = z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().url().optional());
const optionalBoolean = z.preprocess(
  (v) => (v === "" || v === null ? undefined : typeof v === "string" ? isTrueText(v) : v),
  z.boolean().optional(),
);

const LocalConfigSchema = z.strictObject({ base_path: optionalText, public_url_base: optionalUrl });
const S3ConfigSchema = z.strictObject({
  bucket: z.string().min(3, "bucket is required"),
  region: optionalText,
  endpoint_url: optionalUrl,
  endpoint: optionalUrl,
  force_path_style: optionalBoolean,
  aws_access_key_id: optionalText,
  aws_secret_access_key: optionalText,
  aws_session_token: optionalText,
  public_url_base: optionalUrl,
  cloudfront_domain: optionalText,
  prefix: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().regex(KEY_PREFIX, "must be key segments separated by /").optional()),
});
const ProviderSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("local"), config: LocalConfigSchema.default({}) }),
  z.strictObject({ type: z.literal("s3"), config: S3ConfigSchema }),
]);

const artifactType = z
  .string()
  .transform((v) => v.toUpperCase())
  .pipe(z.enum(ROUTABLE_TYPES, { message: "must be image, video, audio, text, lora or model" }));
const RuleSchema = z.strictObject({
  condition: z
    .strictObject({
      // One type or a list of them.
      artifact_type: z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(artifactType).min(1)).optional(),
      size_gt: byteSize.optional(),
    })
    .optional(),
  provider: providerName,
});
const RulesSchema = z.array(RuleSchema).max(100);

const FileSchema = z.strictObject({
  default_provider: providerName.optional(),
  max_file_size: byteSize.optional(),
  providers: z.record(providerName, ProviderSchema).default({}),
  routing_rules: RulesSchema.default([]),
  // Boards' files carry it; Boards' loader ignores it too (uploads are checked from their bytes).
  allowed_content_types: z.array(z.string()).optional(),
});
type StorageFile = z.infer<typeof FileSchema>;

const issuesOf = (error: z.ZodError, where: string) =>
  error.issues.map((i) => `${where}${i.path.length ? `: ${i.path.join(".")}` : ""}: ${i.message}`);

/** Reads, expands and checks the storage file; problems are prefixed with the variable's name. */
function readStorageFile(path: string, vars: Record<string, string>): { file?: StorageFile; problems: string[] } {
  const where = `BOARDS_STORAGE_CONFIG_PATH (${path})`;
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    return { problems: [`${where}: ${(error as Error).message.split("\n")[0]}`] };
  }
  // Boards nests everything under `storage:`; a file holding only that section is fine too.
  const section = document && typeof document === "object" && "storage" in document ? (document as { storage: unknown }).storage : document;
  const expanded = expandVariables(section ?? {}, vars);
  if (expanded.problems.length) return { problems: expanded.problems.map((p) => `${where}: ${p}`) };
  const parsed = FileSchema.safeParse(expanded.value);
  return parsed.success ? { file: parsed.data, problems: [] } : { problems: issuesOf(parsed.error, where) };
}

function toRule(rule: z.infer<typeof RuleSchema>): RoutingRule {
  const types = rule.condition?.artifact_type;
  return {
    provider: rule.provider,
    ...(types ? { artifactTypes: types } : {}),
    ...(rule.condition?.size_gt !== undefined ? { sizeGt: rule.condition.size_gt } : {}),
  };
}

function s3FromFile(c: z.infer<typeof S3ConfigSchema>): S3ProviderConfig {
  return {
    type: "s3",
    bucket: c.bucket,
    region: c.region ?? "us-east-1",
    endpoint: c.endpoint_url ?? c.endpoint,
    forcePathStyle: c.force_path_style,
    accessKeyId: c.aws_access_key_id,
    secretAccessKey: c.aws_secret_access_key,
    sessionToken: c.aws_session_token,
    publicUrlBase: c.public_url_base ?? (c.cloudfront_domain ? `https://${c.cloudfront_domain.replace(/^https?:\/\//, "")}` : undefined),
    prefix: c.prefix,
  };
}

/** A provider of the file in the shape the backends take (local defaults filled in). */
function providerFromFile(p: z.infer<typeof ProviderSchema>, defaultPublicUrlBase: string): ProviderConfig {
  if (p.type === "s3") return s3FromFile(p.config);
  return { type: "local", basePath: p.config.base_path ?? "storage", publicUrlBase: p.config.public_url_base ?? defaultPublicUrlBase };
}

/**
 * Storage configuration from the (cleaned) environment, reading BOARDS_STORAGE_CONFIG_PATH when
 * set. Variables' formats are checked by the environment schema; this adds what spans them.
 */
export function resolveStorageConfig(raw: Record<string, string>, apiPort: number): { config?: StorageConfig; problems: string[] } {
  const problems: string[] = [];
  const defaultPublicUrlBase = `http://localhost:${apiPort}/api/storage`;
  let file: StorageFile | undefined;
  if (raw.BOARDS_STORAGE_CONFIG_PATH) {
    const read = readStorageFile(raw.BOARDS_STORAGE_CONFIG_PATH, raw);
    problems.push(...read.problems);
    file = read.file;
  }

  const providers: Record<string, ProviderConfig> = {};
  for (const [name, p] of Object.entries(file?.providers ?? {})) providers[name] = providerFromFile(p, defaultPublicUrlBase);
  const fileLocal = providers.local;
  if (!file || raw.BOARDS_STORAGE_LOCAL_BASE_PATH || raw.BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE) {
    if (fileLocal && fileLocal.type !== "local") problems.push("BOARDS_STORAGE_LOCAL_*: the provider named 'local' in the storage file is not of type local");
    else {
      providers.local = {
        type: "local",
        basePath: raw.BOARDS_STORAGE_LOCAL_BASE_PATH ?? fileLocal?.basePath ?? "storage",
        publicUrlBase: raw.BOARDS_STORAGE_LOCAL_PUBLIC_URL_BASE ?? fileLocal?.publicUrlBase ?? defaultPublicUrlBase,
      };
    }
  }
  if (raw.BOARDS_STORAGE_S3_BUCKET) {
    const fileS3 = providers.s3;
    if (fileS3 && fileS3.type !== "s3") problems.push("BOARDS_STORAGE_S3_*: the provider named 's3' in the storage file is not of type s3");
    else {
      providers.s3 = {
        ...fileS3,
        type: "s3",
        bucket: raw.BOARDS_STORAGE_S3_BUCKET,
        region: raw.BOARDS_STORAGE_S3_REGION ?? fileS3?.region ?? "us-east-1",
        endpoint: raw.BOARDS_STORAGE_S3_ENDPOINT ?? fileS3?.endpoint,
        forcePathStyle: raw.BOARDS_STORAGE_S3_FORCE_PATH_STYLE !== undefined ? isTrueText(raw.BOARDS_STORAGE_S3_FORCE_PATH_STYLE) : fileS3?.forcePathStyle,
        publicUrlBase: raw.BOARDS_STORAGE_S3_PUBLIC_URL_BASE ?? fileS3?.publicUrlBase,
        prefix: raw.BOARDS_STORAGE_S3_PREFIX ?? fileS3?.prefix,
        accessKeyId: raw.BOARDS_AWS_ACCESS_KEY_ID ?? fileS3?.accessKeyId,
        secretAccessKey: raw.BOARDS_AWS_SECRET_ACCESS_KEY ?? fileS3?.secretAccessKey,
      };
    }
  }

  let rules = (file?.routing_rules ?? []).map(toRule);
  if (raw.BOARDS_STORAGE_ROUTING_RULES) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.BOARDS_STORAGE_ROUTING_RULES);
    } catch {
      parsed = undefined;
      problems.push("BOARDS_STORAGE_ROUTING_RULES: must be valid JSON");
    }
    const checked = RulesSchema.safeParse(parsed);
    if (checked.success) rules = checked.data.map(toRule);
    else if (parsed !== undefined) problems.push(...issuesOf(checked.error, "BOARDS_STORAGE_ROUTING_RULES"));
  }

  let maxFileSize = file?.max_file_size ?? DEFAULT_MAX_FILE_SIZE;
  if (raw.BOARDS_STORAGE_MAX_FILE_SIZE) {
    const bytes = parseByteSize(raw.BOARDS_STORAGE_MAX_FILE_SIZE);
    if (bytes === null || bytes === 0) problems.push('BOARDS_STORAGE_MAX_FILE_SIZE: must be a positive size (e.g. 104857600 or "100MB")');
    else maxFileSize = bytes;
  }

  const names = Object.keys(providers);
  const defaultProvider = raw.BOARDS_STORAGE_DEFAULT_PROVIDER ?? file?.default_provider ?? (providers.local ? "local" : names[0]);
  const source = raw.BOARDS_STORAGE_DEFAULT_PROVIDER ? "BOARDS_STORAGE_DEFAULT_PROVIDER" : "default_provider";
  if (!defaultProvider) problems.push("BOARDS_STORAGE_CONFIG_PATH: the storage file defines no provider");
  else if (!providers[defaultProvider]) {
    const hint = defaultProvider === "s3" ? " (set BOARDS_STORAGE_S3_BUCKET, or define it in the storage file)" : "";
    problems.push(`${source}: '${defaultProvider}' is not a configured storage provider (configured: ${names.join(", ") || "none"})${hint}`);
  }
  for (const [i, rule] of rules.entries()) {
    if (!providers[rule.provider]) problems.push(`routing_rules[${i}]: provider '${rule.provider}' is not configured (configured: ${names.join(", ")})`);
  }
  if (problems.length || !defaultProvider) return { problems };
  return { config: { defaultProvider, providers, rules, maxFileSize }, problems };
}
