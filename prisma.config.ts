import { existsSync } from "node:fs";
import { defineConfig } from "prisma/config";
import { MigratePg } from "./prisma/migrate-adapter.js";

// With a config file present Prisma does not load .env itself, so it is loaded here. The
// schema's `url = env("DATABASE_URL")` must resolve or the CLI falls back to downloading a
// native engine. Same precedence as src/env.ts: BOARDS_DATABASE_URL, DATABASE_URL, default.
if (existsSync(".env")) process.loadEnvFile(".env");
process.env.DATABASE_URL =
  process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/boards_dev";
const url = process.env.DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  // `npx prisma db seed` (and `migrate reset`) run this; `npm start` runs it too.
  migrations: { seed: "tsx prisma/seed.ts" },
  async adapter() {
    return new MigratePg(url);
  },
});
