/**
 * `npm run schema:check` guards the API contract: it fails on a breaking change to the schema
 * (against the committed baseline, or the merge-base of a git ref) unless the change is
 * acknowledged with a reason, and lets safe and dangerous changes through while listing them.
 * Each case runs the npm script on schemas written to a temporary directory.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const projectRoot = new URL("..", import.meta.url);

const baseSchema = /* GraphQL */ `
  "Reads."
  type Query {
    "A board."
    board("Its id." id: ID!): Board
  }
  "A board."
  type Board {
    "Its id."
    id: ID!
    "Its title."
    title: String!
    "Its colour."
    colour: Colour!
  }
  "A colour."
  enum Colour {
    "Red."
    RED
    "Blue."
    BLUE
  }
`;
const titleRemoved = baseSchema.replace(`"Its title."\n    title: String!\n`, "");
const removalMessage = "Field 'title' was removed from object type 'Board'";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "boards-schema-check-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Case {
  schema: string;
  baseline: string;
  acknowledged?: { message: string; reason: string }[];
  extraArgs?: string[];
}

let caseCount = 0;

/** Writes the case's files to a fresh subdirectory and runs `npm run schema:check` on them. */
async function check(c: Case, subdir?: string): Promise<{ exitCode: number; output: string }> {
  const where = subdir ?? path.join(dir, `case-${(caseCount += 1)}`);
  await mkdir(where, { recursive: true });
  const files = {
    schema: path.join(where, "schema.graphql"),
    baseline: path.join(where, "schema.baseline.graphql"),
    acknowledged: path.join(where, "acknowledged.json"),
  };
  await writeFile(files.schema, c.schema);
  await writeFile(files.baseline, c.baseline);
  await writeFile(files.acknowledged, JSON.stringify({ acknowledged: c.acknowledged ?? [] }));
  const args = ["run", "--silent", "schema:check", "--", "--schema", files.schema, "--baseline", files.baseline];
  args.push("--acknowledged", files.acknowledged, ...(c.extraArgs ?? []));
  return run("npm", args, { cwd: projectRoot, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ exitCode: 0, output: `${stdout}${stderr}` }),
    (error: Error & { code?: number; stdout?: string; stderr?: string }) => ({
      exitCode: typeof error.code === "number" ? error.code : -1,
      output: `${error.message}\n${error.stdout ?? ""}${error.stderr ?? ""}`,
    }),
  );
}

describe("npm run schema:check", () => {
  it("passes on the committed schema against the committed baseline", async () => {
    const result = await run("npm", ["run", "--silent", "schema:check"], { cwd: projectRoot, timeout: 60_000 });
    expect(result.stdout).toContain("OK: no unacknowledged breaking change.");
  });

  it("fails on a breaking change and lists it", async () => {
    const { exitCode, output } = await check({ schema: titleRemoved, baseline: baseSchema });
    expect(exitCode, output).toBe(1);
    expect(output).toContain("breaking (1):");
    expect(output).toContain(`✗ ${removalMessage}  [Board.title]`);
    expect(output).toContain("FAILED: 1 breaking change(s) not acknowledged");
  });

  it("passes when the breaking change is acknowledged with a reason, and shows the reason", async () => {
    const reason = "The Boards client never read it; announced in the 0.2 release notes.";
    const { exitCode, output } = await check({
      schema: titleRemoved,
      baseline: baseSchema,
      acknowledged: [{ message: removalMessage, reason }],
    });
    expect(exitCode, output).toBe(0);
    expect(output).toContain(`✓ ${removalMessage}`);
    expect(output).toContain(`acknowledged: ${reason}`);
  });

  it("refuses an acknowledgement without a reason", async () => {
    const { exitCode, output } = await check({
      schema: titleRemoved,
      baseline: baseSchema,
      acknowledged: [{ message: removalMessage, reason: " " }],
    });
    expect(exitCode, output).toBe(2);
    expect(output).toContain("reason");
  });

  it("passes on safe and dangerous changes, listing each under its heading", async () => {
    const schema = baseSchema
      .replace(`"Its colour."`, `"Free text."\n    description: String\n    "Its colour."`)
      .replace(`"Blue."\n    BLUE`, `"Blue."\n    BLUE\n    "Green."\n    GREEN`);
    const { exitCode, output } = await check({ schema, baseline: baseSchema });
    expect(exitCode, output).toBe(0);
    expect(output).not.toContain("breaking (");
    expect(output).toMatch(/dangerous \(1\):\n\s+! Enum value 'GREEN' was added to enum 'Colour'/);
    expect(output).toMatch(/safe \(\d+\):\n\s+- Field 'description' was added to object type 'Board'/);
    expect(output).toContain("OK: no unacknowledged breaking change.");
  });

  it("names acknowledgements that match no change, without failing", async () => {
    const { exitCode, output } = await check({
      schema: baseSchema,
      baseline: baseSchema,
      acknowledged: [{ message: removalMessage, reason: "Done in an earlier release." }],
    });
    expect(exitCode, output).toBe(0);
    expect(output).toContain(`acknowledged but not found`);
    expect(output).toContain(`? ${removalMessage}`);
  });

  it("with --base-ref, also compares with the schema at the merge-base of that git ref", async () => {
    const repo = path.join(dir, "repo");
    await mkdir(repo);
    const git = (...args: string[]) =>
      run("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: repo });
    await git("init", "-q");
    await writeFile(path.join(repo, "schema.graphql"), baseSchema);
    await git("add", "schema.graphql");
    await git("commit", "-q", "-m", "base");
    await git("branch", "base");
    // The baseline already holds the change, so only the git comparison can see it.
    const withoutRef = await check({ schema: titleRemoved, baseline: titleRemoved }, repo);
    expect(withoutRef.exitCode, withoutRef.output).toBe(0);
    const withRef = await check({ schema: titleRemoved, baseline: titleRemoved, extraArgs: ["--base-ref", "base"] }, repo);
    expect(withRef.exitCode, withRef.output).toBe(1);
    expect(withRef.output).toMatch(/against base \(merge-base [0-9a-f]{12}\):\n\s+breaking \(1\):\n\s+✗ Field 'title' was removed/);
  });
});
