import { defineConfig } from "prisma/config";
import { MigratePg } from "./prisma/migrate-adapter.js";

// With a config file present Prisma does not load .env, and the schema's `url = env(...)` must
// still resolve (or the CLI falls back to downloading a native engine). BOARDS_DATABASE_URL is
// the project's own name for it.
process.env.DATABASE_URL ??= process.env.BOARDS_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/boards_dev";
const url = process.env.DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  async adapter() {
    return new MigratePg(url);
  },
});
