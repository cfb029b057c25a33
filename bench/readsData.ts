/**
 * Data and access rules for the reads benchmark: one tenant, 250 boards of which 200 are
 * readable by the reader (150 their own, 50 public, 50 private boards of someone else), 20
 * generations each, 5 tags; and row-level-security policies that mirror boards-server's access
 * rules (auth/policy.ts) for PostGraphile's requests. boards-server connects as the tables'
 * owner, so the policies never apply to it: its services do the same filtering.
 */
import type pg from "pg";

/** The role PostGraphile's requests run as. Roles are cluster-wide: it is created once and kept. */
export const READER_ROLE = "boards_bench_reader";
export const READER_SUBJECT = "bench-reader";
export const TENANT_SLUG = "bench-reads";

export type ReadsData = { tenantId: string; readerId: string };

const ACCESS_RULES = `
DO $$ BEGIN CREATE ROLE ${READER_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT ${READER_ROLE} TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO ${READER_ROLE};
GRANT SELECT ON tenants, users, boards, board_members, generations, tags, generation_tags TO ${READER_ROLE};
ALTER TABLE boards ENABLE ROW LEVEL SECURITY;
ALTER TABLE generations ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE generation_tags ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_boards ON boards FOR SELECT TO ${READER_ROLE} USING (
  tenant_id = current_setting('app.tenant_id')::uuid
  AND (is_public OR owner_id = current_setting('app.user_id')::uuid
       OR EXISTS (SELECT 1 FROM board_members m WHERE m.board_id = boards.id AND m.user_id = current_setting('app.user_id')::uuid)));
CREATE POLICY reader_generations ON generations FOR SELECT TO ${READER_ROLE} USING (
  EXISTS (SELECT 1 FROM boards b WHERE b.id = generations.board_id));
CREATE POLICY reader_users ON users FOR SELECT TO ${READER_ROLE} USING (tenant_id = current_setting('app.tenant_id')::uuid);
CREATE POLICY reader_tags ON tags FOR SELECT TO ${READER_ROLE} USING (tenant_id = current_setting('app.tenant_id')::uuid);
CREATE POLICY reader_generation_tags ON generation_tags FOR SELECT TO ${READER_ROLE} USING (
  EXISTS (SELECT 1 FROM generations g WHERE g.id = generation_tags.generation_id));
`;

/** Seeds the data and installs the access rules on a fresh, migrated database. */
export async function seedReads(pool: pg.Pool): Promise<ReadsData> {
  const tenant = await pool.query<{ id: string }>(`INSERT INTO tenants (slug, name, updated_at) VALUES ($1, $1, now()) RETURNING id`, [TENANT_SLUG]);
  const tenantId = tenant.rows[0]!.id;
  const users = await pool.query<{ id: string; auth_subject: string }>(
    `INSERT INTO users (tenant_id, auth_provider, auth_subject, display_name, updated_at)
     VALUES ($1, 'jwt', $2, 'Reader', now()), ($1, 'jwt', 'bench-other', 'Other', now()) RETURNING id, auth_subject`,
    [tenantId, READER_SUBJECT],
  );
  const readerId = users.rows.find((u) => u.auth_subject === READER_SUBJECT)!.id;
  const otherId = users.rows.find((u) => u.auth_subject !== READER_SUBJECT)!.id;
  await pool.query(
    `INSERT INTO boards (tenant_id, owner_id, title, is_public, created_at, updated_at)
     SELECT $1, CASE WHEN i <= 150 THEN $2::uuid ELSE $3::uuid END, 'Board ' || i, i BETWEEN 151 AND 200,
            timestamptz '2026-01-01' + i * interval '1 hour', timestamptz '2026-02-01' + ((i * 37) % 250) * interval '1 hour'
     FROM generate_series(1, 250) AS i`,
    [tenantId, readerId, otherId],
  );
  await pool.query(
    `INSERT INTO generations (tenant_id, board_id, user_id, generator_name, artifact_type, input_params, status, storage_url, created_at, updated_at)
     SELECT b.tenant_id, b.id, b.owner_id, 'image-from-prompt', 'image', '{"prompt":"bench"}',
            (CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'completed' END)::generation_status,
            CASE WHEN n % 10 = 0 THEN NULL ELSE 'https://cdn.example/' || b.id || '/' || n || '.png' END,
            b.created_at + n * interval '1 minute', b.created_at + n * interval '1 minute'
     FROM boards b CROSS JOIN generate_series(1, 20) AS n WHERE b.tenant_id = $1`,
    [tenantId],
  );
  await pool.query(
    `INSERT INTO tags (tenant_id, name, slug, updated_at) SELECT $1, 'tag-' || i, 'tag-' || i, now() FROM generate_series(1, 5) AS i`,
    [tenantId],
  );
  await pool.query(
    `INSERT INTO generation_tags (generation_id, tag_id)
     SELECT g.id, t.id FROM generations g JOIN tags t ON t.tenant_id = g.tenant_id
     WHERE g.tenant_id = $1 AND (abs(hashtext(g.id::text || t.id::text)) % 3) = 0`,
    [tenantId],
  );
  await pool.query(ACCESS_RULES);
  await pool.query("ANALYZE");
  return { tenantId, readerId };
}
