/**
 * The part of a database connection the schema code needs. Both `pg` clients and PGlite have it,
 * which lets the `vector` column path be tested against PGlite's bundled pgvector.
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * A statement with a name: PostgreSQL parses and plans it once per connection and only binds it
 * after (pg's prepared statements). For the statements every job runs, such as its lookup.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

/** A connection that also runs named statements: pg's clients and pools (PGlite has no names). */
export interface StatementQueryable extends Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  query<R extends object = Record<string, unknown>>(statement: NamedStatement): Promise<{ rows: R[] }>;
}
