/**
 * Driver adapter for the Prisma CLI only (migrate, db push). It lets the WASM schema engine run
 * with no native binaries and no network:
 *
 * 1. Postgres catalog columns of type `"char"` (OID 18) and `name` (OID 19) cannot be
 *    deserialized by the WASM engine, so result fields of those types are reported as `text`.
 * 2. The pool has one connection: the schema engine takes a session-level advisory lock and
 *    expects every later statement on that same session.
 * 3. The shadow database (used by `migrate dev`) is created on demand and dropped on dispose.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";

const TEXT_OID = 25;
const CATALOG_OIDS = new Set([18, 19]);

type QueryResultLike = { fields?: Array<{ dataTypeID: number }> };

function patchFields<T>(result: T): T {
  const fields = (result as QueryResultLike | undefined)?.fields;
  if (fields) for (const field of fields) if (CATALOG_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
  return result;
}

class TextCatalogPool extends pg.Pool {
  // pg's overloads make a typed override impractical; the patch only touches result metadata.
  override query(...args: unknown[]): never {
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then(patchFields) : out) as never;
  }
}

function poolFor(connectionString: string): pg.Pool {
  return new TextCatalogPool({ connectionString, max: 1, allowExitOnIdle: true });
}

export class MigratePg extends PrismaPg {
  constructor(private readonly connectionString: string) {
    super(poolFor(connectionString), { disposeExternalPool: true });
  }

  override async connectToShadowDb(): Promise<never> {
    const name = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client({ connectionString: this.connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const url = new URL(this.connectionString);
    url.pathname = `/${name}`;
    const inner = await new PrismaPg(poolFor(url.toString()), { disposeExternalPool: true }).connect();
    const dispose = inner.dispose.bind(inner);
    inner.dispose = async () => {
      await dispose();
      const dropper = new pg.Client({ connectionString: this.connectionString });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    };
    return inner as never;
  }
}
