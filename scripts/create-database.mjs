// Creates the application database named in BOARDS_DATABASE_URL / DATABASE_URL when it does not
// exist yet, so the first `npm start` on a fresh machine needs nothing but a running Postgres.
import { existsSync } from "node:fs";
import pg from "pg";

if (existsSync(".env")) process.loadEnvFile(".env");

const url = new URL(
  process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/boards_dev",
);
const database = decodeURIComponent(url.pathname.slice(1));
if (!/^[A-Za-z0-9_-]+$/.test(database)) {
  console.error(`Refusing to create database with unusual name: ${database}`);
  process.exit(1);
}
const admin = new URL(url);
admin.pathname = "/postgres";
const client = new pg.Client({ connectionString: admin.toString() });
try {
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
  if (rowCount === 0) {
    await client.query(`CREATE DATABASE "${database}"`);
    console.log(`Created database ${database}`);
  }
} catch (error) {
  console.error(`Could not reach PostgreSQL at ${url.host}: ${error.message}`);
  process.exit(1);
} finally {
  await client.end().catch(() => {});
}
