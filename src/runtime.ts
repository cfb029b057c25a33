/**
 * Builds the process-wide collaborators from configuration, for the API process, the worker
 * process and tests alike: database pool and Prisma, event bus, storage, generators, job queue.
 * Also makes sure graphile-worker's schema is installed (idempotent and quick when it is); an
 * unreachable database is logged, not fatal, so the process still answers /health and /ready.
 */
import { runMigrations } from "graphile-worker";
import type pg from "pg";
import type { SharedDeps } from "./context.js";
import { createPool, createPrisma } from "./db.js";
import type { Env } from "./env.js";
import { EventBus } from "./events.js";
import { TenantDirectory } from "./auth/tenantDirectory.js";
import { loadGenerators } from "./generators/loadGenerators.js";
import { createJobQueue } from "./jobs/jobQueue.js";
import { createProviderAdapters } from "./providers/createProviderAdapters.js";
import type { Logger } from "./logger.js";
import { watchJobQueue } from "./metrics/jobQueueGauges.js";
import { collectProcessMetrics } from "./metrics/metrics.js";
import { createStorage } from "./storage/createStorage.js";
import { Thumbnailer } from "./storage/Thumbnailer.js";
import { UrlSigner } from "./storage/UrlSigner.js";

export type Runtime = SharedDeps & {
  pool: pg.Pool;
  /** Tenant ids by slug for anonymous requests (API process), kept fresh through the event bus. */
  tenantIds: TenantDirectory;
  /** Releases pools and connections. */
  close(): Promise<void>;
};

export async function createRuntime(env: Env, logger: Logger): Promise<Runtime> {
  const pool = createPool(env.databaseUrl, env.databasePoolSize);
  const prisma = createPrisma(pool);
  const events = EventBus.create(env.redisUrl, { logger, commandTimeoutMs: env.redisCommandTimeoutMs });
  const tenantIds = new TenantDirectory(events);
  const signer = new UrlSigner(env.storage.signingSecret);
  try {
    try {
      await runMigrations({ pgPool: pool });
    } catch (err) {
      // Start anyway: /ready reports the database, and enqueueing fails clearly until it is back.
      logger.error({ err }, "could not install the job queue schema (is the database reachable?)");
    }
    const generators = await loadGenerators(env.generatorsConfigPath, logger);
    const thumbnails = await Thumbnailer.create(env.thumbnails, logger);
    collectProcessMetrics();
    const unwatchQueue = watchJobQueue(pool);
    return {
      pool,
      prisma,
      tenantIds,
      logger,
      events,
      storage: createStorage(env.storage, signer),
      thumbnails,
      signer,
      urlTtlMs: env.storage.urlTtlMs,
      generators,
      providers: createProviderAdapters(env.providers),
      publicUrl: env.providers.publicUrl,
      trustedResultHosts: Object.values(env.providers.endpoints).map((origin) => new URL(origin).host),
      creditsMode: env.creditsMode,
      jobs: createJobQueue({ maxAttempts: env.worker.maxAttempts }),
      async close() {
        unwatchQueue();
        tenantIds.close();
        await events.close();
        await prisma.$disconnect();
        await pool.end();
      },
    };
  } catch (error) {
    await events.close();
    await pool.end();
    throw error;
  }
}
