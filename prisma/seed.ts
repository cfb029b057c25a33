/**
 * Seeds what a fresh database needs: the default tenant (slug `BOARDS_DEFAULT_TENANT_SLUG`,
 * name `BOARDS_TENANT_NAME`). Safe to run any number of times.
 */
import { createPool, createPrisma } from "../src/db.js";
import { loadDotEnvFile, loadEnv } from "../src/env.js";

loadDotEnvFile();
const env = loadEnv();
const pool = createPool(env.databaseUrl, 1);
const prisma = createPrisma(pool);
try {
  await prisma.tenant.createMany({
    data: [{ slug: env.defaultTenantSlug, name: env.defaultTenantName }],
    skipDuplicates: true,
  });
  console.log(`Default tenant '${env.defaultTenantSlug}' is present`);
} finally {
  await prisma.$disconnect();
  await pool.end();
}
