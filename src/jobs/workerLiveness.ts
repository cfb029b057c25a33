/**
 * Bounded recovery from dead workers. graphile-worker keeps a job locked by a worker that died
 * (SIGKILL, OOM) for 4 hours. Here every worker records a heartbeat; each sweep (by any live
 * worker process)
 *  1. releases the jobs of workers whose heartbeat is older than `deadAfterMs` (and of lockers
 *     that never wrote one) with graphile_worker.force_unlock_workers, so they run again;
 *  2. fails generations whose job (run job, or poll job while parked at a provider) can no
 *     longer run (gone, or out of attempts and unlocked), so nothing stays PENDING/PROCESSING forever;
 *  3. settles the credits of ended generations whose settlement did not happen (the process
 *     died between the final transition and the settlement), so no reservation stays open.
 */
import { hostname } from "node:os";
import type { PrismaClient } from "../db.js";
import type { EventBus } from "../events.js";
import { Prisma } from "../generated/prisma/client.js";
import type { Logger } from "../logger.js";
import { settleReservation } from "../services/credits/creditReservations.js";
import { markFailed } from "./generationState.js";

export type LivenessOptions = { heartbeatMs: number; deadAfterMs: number };

export type LivenessDeps = { prisma: PrismaClient; events: EventBus; logger: Logger };

export class WorkerLiveness {
  private readonly workerIds = new Set<string>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly deps: LivenessDeps,
    private readonly options: LivenessOptions,
  ) {}

  /** Records a newly started graphile worker pool (the id its jobs are locked with). */
  async add(workerId: string): Promise<void> {
    this.workerIds.add(workerId);
    await this.deps.prisma.workerHeartbeat.upsert({
      where: { workerId },
      create: { workerId, process: `${hostname()}:${process.pid}` },
      update: { lastSeen: new Date() },
    });
  }

  /** Forgets a worker that stopped cleanly. */
  async remove(workerId: string): Promise<void> {
    this.workerIds.delete(workerId);
    await this.deps.prisma.workerHeartbeat.deleteMany({ where: { workerId } });
  }

  start(): void {
    // An upsert, not an update: if a stalled event loop let another process reap our row, the
    // next beat restores it before our jobs are taken for dead.
    const beat = () => {
      if (this.workerIds.size === 0) return;
      void this.deps.prisma
        .$executeRaw(Prisma.sql`
          INSERT INTO worker_heartbeats (worker_id, process, last_seen)
          SELECT id, ${`${hostname()}:${process.pid}`}, now() FROM unnest(${[...this.workerIds]}::text[]) AS id
          ON CONFLICT (worker_id) DO UPDATE SET last_seen = now()`)
        .catch((err: unknown) => this.deps.logger.warn({ err }, "heartbeat failed"));
    };
    const sweep = () => void this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, "worker sweep failed"));
    this.timers = [setInterval(beat, this.options.heartbeatMs), setInterval(sweep, Math.max(this.options.heartbeatMs, 250))];
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all([...this.workerIds].map((id) => this.remove(id)));
  }

  /** One recovery pass; returns what it did (for logs and tests). */
  async sweep(): Promise<{ unlockedWorkers: string[]; failedGenerations: string[]; settledGenerations: string[] }> {
    const cutoff = new Date(Date.now() - this.options.deadAfterMs);
    const dead = await this.deps.prisma.$queryRaw<Array<{ worker_id: string }>>(Prisma.sql`
      DELETE FROM worker_heartbeats WHERE last_seen < ${cutoff} RETURNING worker_id`);
    const unknownLockers = await this.deps.prisma.$queryRaw<Array<{ worker_id: string }>>(Prisma.sql`
      SELECT DISTINCT j.locked_by AS worker_id FROM graphile_worker.jobs j
      WHERE j.locked_by IS NOT NULL AND j.locked_at < ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM worker_heartbeats h WHERE h.worker_id = j.locked_by)`);
    const unlock = [...new Set([...dead, ...unknownLockers].map((r) => r.worker_id))].filter((id) => !this.workerIds.has(id));
    if (unlock.length) {
      await this.deps.prisma.$executeRaw(Prisma.sql`SELECT graphile_worker.force_unlock_workers(${unlock}::text[])`);
      this.deps.logger.warn({ workers: unlock }, "released jobs of dead workers");
    }

    // Batch siblings have no job of their own: they live and die with their primary's job. A
    // generation parked at its provider has a poll job instead of its run job.
    const orphans = await this.deps.prisma.$queryRaw<Array<{ id: string }>>(Prisma.sql`
      SELECT g.id FROM generations g
      WHERE g.status IN ('pending', 'processing') AND g.updated_at < ${cutoff}
        AND NOT EXISTS (
          SELECT 1 FROM graphile_worker.jobs j
          WHERE j.key IN ('generation:' || COALESCE(g.output_metadata->>'batch_id', g.id::text), 'provider-poll:' || g.id::text)
            AND (j.attempts < j.max_attempts OR j.locked_at IS NOT NULL))`);
    const failed: string[] = [];
    for (const { id } of orphans) {
      const row = await markFailed(this.deps, id, "Generation was lost: its worker stopped and no attempts remain");
      if (row) failed.push(id);
    }
    if (failed.length) this.deps.logger.warn({ generations: failed }, "failed orphaned generations");

    const unsettled = await this.deps.prisma.$queryRaw<Array<{ id: string }>>(Prisma.sql`
      SELECT id FROM generations
      WHERE credits_reserved IS NOT NULL AND status IN ('completed', 'failed', 'cancelled') AND updated_at < ${cutoff}
      LIMIT 500`);
    const settled: string[] = [];
    for (const { id } of unsettled) {
      const change = await settleReservation(this.deps.prisma, id);
      if (!change) continue;
      settled.push(id);
      await this.deps.events.publishCreditChange(change);
    }
    if (settled.length) this.deps.logger.warn({ generations: settled }, "settled credits left open by a stopped worker");
    return { unlockedWorkers: unlock, failedGenerations: failed, settledGenerations: settled };
  }
}
