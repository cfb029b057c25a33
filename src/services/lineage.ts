/**
 * Lineage graphs: `ancestry` (what a generation was made from, recursively) and `descendants`
 * (what was made from it). One recursive SQL query each, tenant-scoped and cycle-safe (a path
 * array stops revisits); nodes the caller may not read are left out with their subtrees.
 */
import type { ServiceContext } from "../context.js";
import { badUserInput } from "../errors.js";
import { Prisma, type Generation } from "../generated/prisma/client.js";
import { getGeneration } from "./generations.js";

export type LineageNode = { generation: Generation; depth: number; role: string | null; next: LineageNode[] };

type Row = { id: string; role: string | null; depth: number; path: string[] };

const UUID_TEXT = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

function checkDepth(maxDepth: number): void {
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > 50) {
    throw badUserInput(`\`maxDepth\` must be between 0 and 50, got ${maxDepth}`, { argument: "maxDepth" });
  }
}

function ancestryRows(ctx: ServiceContext, root: Generation, maxDepth: number): Promise<Row[]> {
  return ctx.prisma.$queryRaw<Row[]>(Prisma.sql`
    WITH RECURSIVE walk AS (
      SELECT g.id, NULL::text AS role, 0 AS depth, ARRAY[g.id] AS path
      FROM generations g WHERE g.id = ${root.id}::uuid AND g.tenant_id = ${root.tenantId}::uuid
      UNION ALL
      SELECT p.id, e->>'role', w.depth + 1, w.path || p.id
      FROM walk w
      JOIN generations c ON c.id = w.id
      CROSS JOIN LATERAL jsonb_array_elements(c.input_artifacts) AS e
      JOIN generations p ON p.tenant_id = ${root.tenantId}::uuid
        AND p.id = CASE WHEN e->>'generation_id' ~ ${UUID_TEXT} THEN (e->>'generation_id')::uuid END
      WHERE w.depth < ${maxDepth} AND NOT p.id = ANY(w.path)
    )
    SELECT id::text, role, depth, path::text[] AS path FROM walk ORDER BY depth, path`);
}

function descendantRows(ctx: ServiceContext, root: Generation, maxDepth: number): Promise<Row[]> {
  return ctx.prisma.$queryRaw<Row[]>(Prisma.sql`
    WITH RECURSIVE walk AS (
      SELECT g.id, NULL::text AS role, 0 AS depth, ARRAY[g.id] AS path
      FROM generations g WHERE g.id = ${root.id}::uuid AND g.tenant_id = ${root.tenantId}::uuid
      UNION ALL
      SELECT c.id, e->>'role', w.depth + 1, w.path || c.id
      FROM walk w
      JOIN generations c ON c.tenant_id = ${root.tenantId}::uuid
        AND c.input_artifacts @> jsonb_build_array(jsonb_build_object('generation_id', w.id::text))
      CROSS JOIN LATERAL jsonb_array_elements(c.input_artifacts) AS e
      WHERE e->>'generation_id' = w.id::text AND w.depth < ${maxDepth} AND NOT c.id = ANY(w.path)
    )
    SELECT id::text, role, depth, path::text[] AS path FROM walk ORDER BY depth, path`);
}

async function buildTree(ctx: ServiceContext, rows: Row[]): Promise<LineageNode | null> {
  const visible = new Map<string, Generation>();
  await Promise.all(
    [...new Set(rows.map((r) => r.id))].map(async (id) => {
      const g = await getGeneration(ctx, id);
      if (g) visible.set(id, g);
    }),
  );
  const nodes = new Map<string, LineageNode>();
  let root: LineageNode | null = null;
  for (const row of rows) {
    const generation = visible.get(row.id);
    if (!generation) continue;
    const node: LineageNode = { generation, depth: row.depth, role: row.role, next: [] };
    const key = row.path.join("/");
    if (row.depth === 0) root = node;
    else {
      const parent = nodes.get(row.path.slice(0, -1).join("/"));
      if (!parent) continue; // its path runs through a node the caller may not see
      parent.next.push(node);
    }
    nodes.set(key, node);
  }
  return root;
}

/** What `generation` was made from, up to `maxDepth` levels (0 = the generation alone). */
export async function ancestry(ctx: ServiceContext, generation: Generation, maxDepth: number): Promise<LineageNode> {
  checkDepth(maxDepth);
  const tree = await buildTree(ctx, await ancestryRows(ctx, generation, maxDepth));
  return tree ?? { generation, depth: 0, role: null, next: [] };
}

/** What was made from `generation`, up to `maxDepth` levels. */
export async function descendants(ctx: ServiceContext, generation: Generation, maxDepth: number): Promise<LineageNode> {
  checkDepth(maxDepth);
  const tree = await buildTree(ctx, await descendantRows(ctx, generation, maxDepth));
  return tree ?? { generation, depth: 0, role: null, next: [] };
}
