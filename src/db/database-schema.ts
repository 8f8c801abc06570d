import type { Queryable } from "./queryable.js";

/**
 * Which tables ragworker writes: its own (`ragworker`), or those rag-corp's alembic migrations
 * built (`rag-corp`), which are written exactly as rag-corp's worker writes them and never altered.
 */
export type DatabaseSchema = "ragworker" | "rag-corp";

/**
 * rag-corp's database is recognised by what only it has: alembic's version table, or a
 * `chunks.tsv` column (ragworker never makes either). Anything else, an empty database included,
 * gets ragworker's own schema.
 */
export async function detectDatabaseSchema(db: Queryable): Promise<DatabaseSchema> {
  const result = await db.query<{ alembic: boolean; tsv: boolean }>(
    `SELECT to_regclass('alembic_version') IS NOT NULL AS alembic,
            EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = to_regclass('chunks') AND attname = 'tsv' AND NOT attisdropped) AS tsv`,
  );
  const row = result.rows[0];
  return row?.alembic || row?.tsv ? "rag-corp" : "ragworker";
}
