/**
 * Seeds what a fresh database needs: the default tenant (slug `BOARDS_DEFAULT_TENANT_SLUG`,
 * name `BOARDS_TENANT_NAME`). Safe to run any number of times. Run directly by `prisma db seed`;
 * `npm start` and `npm run db:setup` (scripts/start.ts) call `seedDatabase` in their own process.
 */
import { pathToFileURL } from "node:url";
import { createPool, createPrisma } from "../src/db.js";
import { loadDotEnvFile, loadEnv, type Env } from "../src/env.js";

/** Inserts the default tenant when it is missing; returns whether it was created. */
export async function seedDatabase(env: Pick<Env, "databaseUrl" | "defaultTenantSlug" | "defaultTenantName">): Promise<boolean> {
  const pool = createPool(env.databaseUrl, 1);
  const prisma = createPrisma(pool);
  try {
    const { count } = await prisma.tenant.createMany({
      data: [{ slug: env.defaultTenantSlug, name: env.defaultTenantName }],
      skipDuplicates: true,
    });
    return count > 0;
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  loadDotEnvFile();
  const env = loadEnv();
  await seedDatabase(env);
  console.log(`Default tenant '${env.defaultTenantSlug}' is present`);
}
