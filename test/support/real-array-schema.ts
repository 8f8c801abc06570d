import type pg from "pg";
import { migrate, type MigrateResult } from "../../src/db/migrate.js";
import type { Queryable } from "../../src/db/queryable.js";

/**
 * Migrates `client`'s database to the `real[]` embedding column even when the role could create
 * pgvector (the tests and the bench connect as a superuser): `CREATE EXTENSION` is refused, as
 * for a role without the right, and migrate() falls back inside its savepoint.
 */
export async function migrateWithRealArray(
  client: pg.Client | pg.PoolClient,
  embeddingDim: number,
): Promise<MigrateResult> {
  const withoutExtensions: Queryable = {
    query: async <R extends object>(sql: string, params?: unknown[]) => {
      if (/CREATE EXTENSION/i.test(sql)) throw new Error("the real[] column is wanted here");
      return client.query<R>(sql, params);
    },
  };
  return migrate(withoutExtensions, { embeddingDim });
}
