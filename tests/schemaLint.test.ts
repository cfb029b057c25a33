/**
 * `npm run lint:schema` (eslint.config.js, @graphql-eslint) holds schema.graphql to its rules:
 * the committed schema passes, and a missing description, a badly named input field or a
 * connection without `pageInfo` is reported. Variants of the schema are linted in memory with
 * the project's own ESLint configuration.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const schemaPath = fileURLToPath(new URL("../schema.graphql", import.meta.url));
const committed = readFileSync(schemaPath, "utf8");

/** `rule: message` of each problem ESLint finds in `sdl` linted as schema.graphql. */
async function lint(sdl: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: projectRoot,
    // Schema-aware rules read this SDL instead of the schema file on disk.
    overrideConfig: { languageOptions: { parserOptions: { schemaSdl: sdl } } },
  });
  const [result] = await eslint.lintText(sdl, { filePath: schemaPath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "fatal"}: ${m.message}`);
}

function replaceOnce(sdl: string, from: string, to: string): string {
  expect(sdl, `the schema no longer contains ${JSON.stringify(from)}`).toContain(from);
  return sdl.replace(from, to);
}

describe("npm run lint:schema", () => {
  it("passes on the committed schema", async () => {
    expect(await lint(committed)).toEqual([]);
  });

  it("requires a description on fields, arguments, input fields and enum values", async () => {
    let sdl = replaceOnce(committed, `"When the tag last changed."\n  updatedAt`, "updatedAt");
    sdl = replaceOnce(sdl, `tagBySlug("The tag's slug, matched exactly." slug`, "tagBySlug(slug");
    sdl = replaceOnce(sdl, `"Letter case is ignored (\`a\` matches \`A\`)."\n  INSENSITIVE`, "INSENSITIVE");
    sdl = replaceOnce(sdl, `"New slug."\n  slug: String`, "slug: String");
    const problems = await lint(sdl);
    expect(problems).toEqual([
      '@graphql-eslint/require-description: Description is required for enum value "INSENSITIVE" in enum "StringMatchMode"',
      '@graphql-eslint/require-description: Description is required for field "updatedAt" in type "Tag"',
      '@graphql-eslint/require-description: Description is required for input value "slug" in input "UpdateTagInput"',
      '@graphql-eslint/require-description: Description is required for input value "slug" in field "tagBySlug"',
    ]);
  });

  it("enforces naming conventions (only AND / OR / NOT are exempt)", async () => {
    const sdl = replaceOnce(committed, `"New slug."\n  slug: String`, `"New slug."\n  new_slug: String`);
    expect(await lint(sdl)).toEqual(['@graphql-eslint/naming-convention: Input value "new_slug" should be in camelCase format']);
  });

  it("enforces the Relay connection rules", async () => {
    const sdl = replaceOnce(
      committed,
      `"The items of the page."\n  nodes: [Tag!]!\n  "Position of the page."\n  pageInfo: PageInfo!`,
      `"The items of the page."\n  nodes: [Tag!]!`,
    );
    const problems = await lint(sdl);
    expect(problems.length, problems.join("\n")).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith("@graphql-eslint/relay-connection-types:")), problems.join("\n")).toBe(true);
  });
});
