/**
 * Helpers for the provider-run suites: a server with a worker pointed at one fake provider, a
 * board to work on, and waiting for a generation to be parked at its provider.
 */
import { newTenant, type Actor } from "./actors.js";
import { startIsolatedServer } from "./pipeline.js";
import type { TestServer } from "./launch.js";
import { createBoard } from "./taggingFixtures.js";

export type ProviderScene = { server: TestServer; owner: Actor; boardId: string };

/**
 * Starts an isolated server with a worker whose providers are the fakes at `endpoints` (provider →
 * fake URL); `env` adds the providers' keys and anything else (`"{url}"` stands for the server's
 * own URL).
 */
export async function providerScene(endpoints: Record<string, string>, env: Record<string, string>): Promise<ProviderScene> {
  const server = await startIsolatedServer({ BOARDS_PROVIDER_ENDPOINTS: JSON.stringify(endpoints), ...env }, { worker: true });
  try {
    const owner = await (await newTenant(server)).user("owner");
    return { server, owner, boardId: await createBoard(owner) };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** The generation's row once it is parked at its provider (its external id stored). */
export async function parkedRow(server: TestServer, id: string) {
  for (let i = 0; i < 400; i++) {
    const row = await server.prisma.generation.findUniqueOrThrow({ where: { id } });
    if (row.externalJobId) return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`generation ${id} was never parked`);
}

/** Webhook deliveries the server accepted (verified, not replayed) from `provider`. */
export async function acceptedDeliveries(server: TestServer, provider: string): Promise<number> {
  const rows = await server.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE provider = $1`, [provider]);
  return rows.rows[0]!.n;
}
