/**
 * PostGraphile 5 (amber preset + connection filter) over the boards tables, for the reads
 * benchmark's side-by-side: every request runs as the role `boards_bench_reader` with the
 * caller's user and tenant in `app.user_id` / `app.tenant_id`, so the row-level-security
 * policies of readsData.ts decide what it sees, as boards-server's services do.
 *
 * Run as a process of its own (READS_DATABASE_URL, READS_USER_ID, READS_TENANT_ID), it logs one
 * JSON line `{"msg":"listening","port":…}`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { READER_ROLE } from "./readsData.js";

export type PostGraphileServer = { url: string; pool: pg.Pool; close(): Promise<void> };

/** Starts PostGraphile on a free port over `databaseUrl`, as the reader `userId` of `tenantId`. */
export async function startPostGraphile(databaseUrl: string, viewer: { userId: string; tenantId: string }): Promise<PostGraphileServer> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const pgl = postgraphile({
    extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
    pgServices: [
      makePgService({
        pool,
        schemas: ["public"],
        pgSettings: () => ({ role: READER_ROLE, "app.user_id": viewer.userId, "app.tenant_id": viewer.tenantId }),
      }),
    ],
    grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
    grafast: { explain: false },
  });
  const serv = pgl.createServ(grafserv);
  const server: Server = createServer();
  serv.addTo(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pgl.release();
      await pool.end();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startPostGraphile(process.env.READS_DATABASE_URL!, { userId: process.env.READS_USER_ID!, tenantId: process.env.READS_TENANT_ID! });
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: Number(new URL(server.url).port) })}\n`);
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
}
