/**
 * The SQL of the operations runbook (docs/operations.md) runs as written against a migrated
 * database, placeholders filled in, inside a transaction that is rolled back: a column, task or
 * function the runbook names that does not exist fails here.
 */
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { projectText } from "./helpers/deployFiles.js";

const PLACEHOLDERS: Array<[string, string]> = [
  ["<generation id>", "00000000-0000-4000-8000-000000000001"],
  ["ARRAY[<job id>, …]", "ARRAY[1]"],
  ["<key>", "boards/runbook-check"],
  ["<locked_by>", "worker-runbook-check"],
];

function runbookStatements(): string[] {
  const blocks = [...projectText("docs/operations.md").matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const text = PLACEHOLDERS.reduce((sql, [from, to]) => sql.replaceAll(from, to), blocks.join("\n"));
  return text
    .split(/;\s*\n/)
    .map((statement) => statement.split("\n").filter((line) => !line.trim().startsWith("--")).join("\n").trim())
    .filter(Boolean);
}

describe("docs/operations.md", () => {
  it("has SQL that runs against the database as migrated", async () => {
    const statements = runbookStatements();
    expect(statements.length).toBeGreaterThanOrEqual(10);
    expect(statements.join("\n")).not.toMatch(/<[a-z ]+>/);
    const client = new pg.Client({ connectionString: inject("databaseUrl") });
    await client.connect();
    try {
      await client.query("BEGIN");
      const failures: string[] = [];
      for (const [index, statement] of statements.entries()) {
        await client.query(`SAVEPOINT s${index}`);
        await client.query(statement).catch((error: Error) => failures.push(`${statement.split("\n")[0]}…: ${error.message}`));
        await client.query(`ROLLBACK TO SAVEPOINT s${index}`);
      }
      expect(failures).toEqual([]);
    } finally {
      await client.query("ROLLBACK");
      await client.end();
    }
  });
});
