import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveStorageConfig } from "./storageConfig.js";

const dir = mkdtempSync(join(tmpdir(), "storage-config-"));
let files = 0;
function file(text: string, ext = "yaml"): string {
  const path = join(dir, `storage-${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const BOARDS_FILE = `
storage:
  default_provider: local
  max_file_size: 50MB
  allowed_content_types: [image/png]
  providers:
    local:
      type: local
      config:
        base_path: /data/boards
        public_url_base: https://api.example.com/api/storage
    media:
      type: s3
      config:
        bucket: \${MEDIA_BUCKET}
        region: \${MEDIA_REGION:-eu-west-1}
        endpoint_url: \${MEDIA_ENDPOINT:-}
        aws_access_key_id: \${MEDIA_KEY}
        aws_secret_access_key: \${MEDIA_SECRET}
        cloudfront_domain: cdn.example.com
        force_path_style: "true"
  routing_rules:
    - condition: { artifact_type: video }
      provider: media
    - condition: { artifact_type: [audio, image], size_gt: 10MB }
      provider: media
    - provider: local
`;
const SECRETS = { MEDIA_BUCKET: "boards-media", MEDIA_KEY: "AKIA1", MEDIA_SECRET: "shh" };

describe("resolveStorageConfig", () => {
  it("without a file: one local provider with the documented defaults", () => {
    expect(resolveStorageConfig({}, 8088)).toEqual({
      config: {
        defaultProvider: "local",
        providers: { local: { type: "local", basePath: "storage", publicUrlBase: "http://localhost:8088/api/storage" } },
        rules: [],
        maxFileSize: 100 * 2 ** 20,
      },
      problems: [],
    });
  });

  it("reads a Boards storage file, expanding ${VAR} from the environment", () => {
    const { config, problems } = resolveStorageConfig({ BOARDS_STORAGE_CONFIG_PATH: file(BOARDS_FILE), ...SECRETS }, 8088);
    expect(problems).toEqual([]);
    expect(config).toEqual({
      defaultProvider: "local",
      maxFileSize: 50 * 2 ** 20,
      providers: {
        local: { type: "local", basePath: "/data/boards", publicUrlBase: "https://api.example.com/api/storage" },
        media: {
          type: "s3",
          bucket: "boards-media",
          region: "eu-west-1",
          endpoint: undefined,
          forcePathStyle: true,
          accessKeyId: "AKIA1",
          secretAccessKey: "shh",
          sessionToken: undefined,
          publicUrlBase: "https://cdn.example.com",
          prefix: undefined,
        },
      },
      rules: [
        { artifactTypes: ["VIDEO"], provider: "media" },
        { artifactTypes: ["AUDIO", "IMAGE"], sizeGt: 10 * 2 ** 20, provider: "media" },
        { provider: "local" },
      ],
    });
  });

  it("accepts JSON and a file without the storage: section", () => {
    const path = file(JSON.stringify({ default_provider: "disk", providers: { disk: { type: "local", config: { base_path: "/d" } } } }), "json");
    const { config } = resolveStorageConfig({ BOARDS_STORAGE_CONFIG_PATH: path }, 9000);
    expect(config?.providers).toEqual({ disk: { type: "local", basePath: "/d", publicUrlBase: "http://localhost:9000/api/storage" } });
    expect(config?.defaultProvider).toBe("disk");
  });

  it("lets environment variables win over the file", () => {
    const { config } = resolveStorageConfig(
      {
        BOARDS_STORAGE_CONFIG_PATH: file(BOARDS_FILE),
        ...SECRETS,
        BOARDS_STORAGE_DEFAULT_PROVIDER: "media",
        BOARDS_STORAGE_LOCAL_BASE_PATH: "/elsewhere",
        BOARDS_STORAGE_MAX_FILE_SIZE: "2GB",
        BOARDS_STORAGE_ROUTING_RULES: '[{"condition":{"size_gt":1000},"provider":"local"}]',
      },
      8088,
    );
    expect(config?.defaultProvider).toBe("media");
    expect(config?.providers.local).toEqual({ type: "local", basePath: "/elsewhere", publicUrlBase: "https://api.example.com/api/storage" });
    expect(config?.maxFileSize).toBe(2 * 2 ** 30);
    expect(config?.rules).toEqual([{ sizeGt: 1000, provider: "local" }]);
  });

  it("adds the s3 provider from BOARDS_STORAGE_S3_* next to the file's", () => {
    const { config } = resolveStorageConfig(
      { BOARDS_STORAGE_CONFIG_PATH: file(BOARDS_FILE), ...SECRETS, BOARDS_STORAGE_S3_BUCKET: "env-bucket", BOARDS_STORAGE_S3_ENDPOINT: "http://127.0.0.1:9000" },
      8088,
    );
    expect(Object.keys(config?.providers ?? {})).toEqual(["local", "media", "s3"]);
    expect(config?.providers.s3).toMatchObject({ type: "s3", bucket: "env-bucket", endpoint: "http://127.0.0.1:9000", region: "us-east-1" });
  });

  it("names every unset variable and where it is used, and starts nothing", () => {
    const { config, problems } = resolveStorageConfig({ BOARDS_STORAGE_CONFIG_PATH: file(BOARDS_FILE), MEDIA_BUCKET: "b" }, 8088);
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      expect.stringMatching(/BOARDS_STORAGE_CONFIG_PATH \(.*\): providers\.media\.config\.aws_access_key_id: environment variable MEDIA_KEY is not set/),
      expect.stringMatching(/providers\.media\.config\.aws_secret_access_key: environment variable MEDIA_SECRET is not set/),
    ]);
  });

  it.each([
    ["an unknown provider type", "providers:\n  ftp: { type: ftp, config: {} }", /providers\.ftp\.type/],
    ["a misspelt condition", "routing_rules:\n  - condition: { size_gte: 1MB }\n    provider: local", /routing_rules\.0\.condition: Unrecognized key.*size_gte/],
    ["a size that is not one", "max_file_size: lots", /max_file_size: "lots" is not a size/],
    ["an unknown artifact type", "routing_rules:\n  - condition: { artifact_type: hologram }\n    provider: local", /must be image, video, audio, text, lora or model/],
    ["a rule naming a missing provider", "routing_rules:\n  - provider: nowhere", /routing_rules\[0\]: provider 'nowhere' is not configured/],
    ["a default naming a missing provider", "default_provider: nowhere", /default_provider: 'nowhere' is not a configured storage provider/],
    ["an s3 provider without a bucket", "providers:\n  b: { type: s3, config: { region: x } }", /providers\.b\.config\.bucket/],
    ["an option this server does not have", "providers:\n  b: { type: s3, config: { bucket: abc, upload_config: {} } }", /Unrecognized key.*upload_config/],
    ["a key prefix that climbs out", "providers:\n  b: { type: s3, config: { bucket: abc, prefix: ../up } }", /prefix: must be key segments/],
    ["broken YAML", "storage: [unclosed", /BOARDS_STORAGE_CONFIG_PATH \(.*\): /],
    ["a malformed placeholder", "providers:\n  b: { type: s3, config: { bucket: \"${bad-name}\" } }", /malformed placeholder/],
  ])("refuses %s with a clear problem", (_what, text, expected) => {
    const { config, problems } = resolveStorageConfig({ BOARDS_STORAGE_CONFIG_PATH: file(`storage:\n${text.replace(/^/gm, "  ")}`) }, 8088);
    expect(config).toBeUndefined();
    expect(problems.join("\n")).toMatch(expected);
  });

  it("refuses a file that cannot be read", () => {
    const { problems } = resolveStorageConfig({ BOARDS_STORAGE_CONFIG_PATH: join(dir, "missing.yaml") }, 8088);
    expect(problems).toEqual([expect.stringMatching(/^BOARDS_STORAGE_CONFIG_PATH \(.*missing\.yaml\): ENOENT/)]);
  });

  it("refuses bad routing rules and sizes in the environment", () => {
    expect(resolveStorageConfig({ BOARDS_STORAGE_ROUTING_RULES: "[{" }, 8088).problems).toEqual(["BOARDS_STORAGE_ROUTING_RULES: must be valid JSON"]);
    expect(resolveStorageConfig({ BOARDS_STORAGE_ROUTING_RULES: '[{"provider":"s3"}]' }, 8088).problems).toEqual([
      "routing_rules[0]: provider 's3' is not configured (configured: local)",
    ]);
    expect(resolveStorageConfig({ BOARDS_STORAGE_MAX_FILE_SIZE: "0" }, 8088).problems).toEqual([
      'BOARDS_STORAGE_MAX_FILE_SIZE: must be a positive size (e.g. 104857600 or "100MB")',
    ]);
  });
});
