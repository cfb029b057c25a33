/**
 * `npm run migrate:dev` as a developer runs it after editing the data model: on a copy of
 * prisma/ (the repository's migrations are never touched) and a database of its own that starts
 * empty, so the committed migrations are pending when the new one is made.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;

let dir: string;
let databaseUrl: string;
let adminUrl: string;
let databaseName: string;

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The real command, with the copied schema; never throws, returns its exit code and output. */
async function migrateDev(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/start.ts", "migrate-dev", "--schema", join(dir, "prisma", "schema.prisma"), "--skip-generate", ...args],
      { cwd: root, env: { ...process.env, BOARDS_DATABASE_URL: databaseUrl, BOARDS_ENVIRONMENT: "development" }, timeout: 120_000 },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const migrationFolders = async () => (await readdir(join(dir, "prisma", "migrations"), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "boards-migrate-dev-"));
  await cp(join(root, "prisma"), join(dir, "prisma"), { recursive: true });
  const shared = new URL(inject("databaseUrl"));
  databaseName = `${shared.pathname.slice(1)}_migrate_dev`;
  adminUrl = Object.assign(new URL(shared), { pathname: "/postgres" }).toString();
  databaseUrl = Object.assign(new URL(shared), { pathname: `/${databaseName}` }).toString();
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
});

afterAll(async () => {
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
  await rm(dir, { recursive: true, force: true });
});

describe("npm run migrate:dev", () => {
  it("on a new database: applies the committed migrations, then writes and applies the new one", async () => {
    const before = await migrationFolders();
    const schema = join(dir, "prisma", "schema.prisma");
    const text = await readFile(schema, "utf8");
    // A new optional column on tenants.
    const edited = text.replace(/(model Tenant \{\n)/, "$1  motto String?\n");
    expect(edited).not.toBe(text);
    await writeFile(schema, edited);

    const result = await migrateDev("--name", "add_motto");
    expect(result.code, result.output).toBe(0);
    const added = (await migrationFolders()).filter((name) => !before.includes(name));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d{14}_add_motto$/);
    const sql = await readFile(join(dir, "prisma", "migrations", added[0]!, "migration.sql"), "utf8");
    expect(sql).toMatch(/ALTER TABLE "tenants" ADD COLUMN\s+"motto" TEXT/);
    const columns = await admin(databaseUrl, (c) =>
      c.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'motto'"),
    );
    expect(columns.rowCount).toBe(1);
    const recorded = await admin(databaseUrl, (c) => c.query("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL"));
    expect(recorded.rows.map((r: { migration_name: string }) => r.migration_name).sort()).toEqual([...before, added[0]].sort());
  });

  it("with nothing changed: says so and creates nothing", async () => {
    const before = await migrationFolders();
    const result = await migrateDev("--name", "nothing");
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/in sync/i);
    expect(await migrationFolders()).toEqual(before);
  });

  it("with a schema Prisma refuses: fails with Prisma's message and leaves no folder", async () => {
    const before = await migrationFolders();
    const schema = join(dir, "prisma", "schema.prisma");
    const text = await readFile(schema, "utf8");
    await writeFile(schema, text.replace(/(model Tenant \{\n)/, "$1  broken Strin\n"));
    try {
      const result = await migrateDev("--name", "broken");
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/Strin/);
      expect(await migrationFolders()).toEqual(before);
    } finally {
      await writeFile(schema, text);
    }
  });

  it("with SQL the database refuses: writes no migration and applies nothing", async () => {
    const before = await migrationFolders();
    const schema = join(dir, "prisma", "schema.prisma");
    const text = await readFile(schema, "utf8");
    // A required column without a default on a table that has a row cannot be added.
    await admin(databaseUrl, (c) => c.query("INSERT INTO tenants (id, name, slug, updated_at) VALUES (gen_random_uuid(), 'T', 'refuse-test', now())"));
    await writeFile(schema, text.replace(/(model Tenant \{\n)/, "$1  required_note String\n"));
    try {
      const result = await migrateDev("--name", "required_note", "--accept-data-loss");
      expect(result.code).not.toBe(0);
      expect(await migrationFolders()).toEqual(before);
      const columns = await admin(databaseUrl, (c) =>
        c.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'required_note'"),
      );
      expect(columns.rowCount).toBe(0);
    } finally {
      await writeFile(schema, text);
    }
  });
});
