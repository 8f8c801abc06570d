/**
 * The part of a database connection the schema code needs. Both `pg` clients and PGlite have it,
 * which lets the `vector` column path be tested against PGlite's bundled pgvector.
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}
