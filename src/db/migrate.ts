import { detectDatabaseSchema, type DatabaseSchema } from "./database-schema.js";
import { MIGRATIONS, type Migration } from "./migrations.js";
import type { Queryable } from "./queryable.js";
import { RAG_CORP_MIGRATIONS } from "./rag-corp/rag-corp-migrations.js";

// Any constant works; it only has to be the same in every replica so migrations never race.
const MIGRATION_LOCK_KEY = 7_304_190_522;

export interface MigrateResult {
  readonly applied: readonly number[];
  readonly hasVector: boolean;
  readonly schema: DatabaseSchema;
}

/**
 * Tries to enable pgvector inside a savepoint: where the extension is not installed the failure
 * must not abort the surrounding transaction, and the schema falls back to `real[]`.
 */
async function enableVector(db: Queryable): Promise<boolean> {
  await db.query("SAVEPOINT enable_vector");
  try {
    await db.query("CREATE EXTENSION IF NOT EXISTS vector");
    await db.query("RELEASE SAVEPOINT enable_vector");
    return true;
  } catch {
    await db.query("ROLLBACK TO SAVEPOINT enable_vector");
    return false;
  }
}

/**
 * Creates or upgrades the schema; idempotent, and safe to run from several replicas at once.
 * `db` must be a single connection (a client, not a pool): the lock and transaction live on it.
 */
export async function migrate(
  db: Queryable,
  options: { embeddingDim: number; migrations?: readonly Migration[] },
): Promise<MigrateResult> {
  await db.query("BEGIN");
  try {
    await db.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    // Read under the lock: a replica migrating at the same time has finished by now.
    const schema = await detectDatabaseSchema(db);
    const migrations = options.migrations ?? (schema === "rag-corp" ? RAG_CORP_MIGRATIONS : MIGRATIONS);
    await db.query(`CREATE TABLE IF NOT EXISTS ragworker_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    // rag-corp's migrations created the extension already; its tables are never touched.
    const hasVector = schema === "rag-corp" ? true : await enableVector(db);
    const done = await db.query<{ version: number }>("SELECT version FROM ragworker_migrations");
    const appliedBefore = new Set(done.rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (appliedBefore.has(migration.version)) continue;
      for (const statement of migration.statements({ embeddingDim: options.embeddingDim, hasVector })) {
        await db.query(statement);
      }
      await db.query("INSERT INTO ragworker_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await db.query("COMMIT");
    return { applied, hasVector, schema };
  } catch (error) {
    await db.query("ROLLBACK");
    throw error;
  }
}
