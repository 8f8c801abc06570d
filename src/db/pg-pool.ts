import pg from "pg";
import type { Logger } from "../logging/logger.js";
import { maskUrl } from "../config/mask-url.js";

export interface PgPoolOptions {
  readonly url: string;
  readonly min: number;
  readonly max: number;
  /** Shown in pg_stat_activity, so an operator can tell which thread holds which connection. */
  readonly applicationName: string;
  readonly logger: Logger;
  /** rag-corp's DB_STATEMENT_TIMEOUT_MS: the server ends a statement running longer; 0 = none. */
  readonly statementTimeoutMs?: number;
}

/**
 * A pg pool with the `error` listeners pg requires. An idle client whose server goes away emits
 * `error` on the pool; a checked-out client (inside a transaction, between two queries) emits it
 * on itself. Without a listener either one is an uncaught exception that kills the thread (seen in
 * the PostgreSQL-restart fault scenario). With one, the failure reaches the pipeline as a failed
 * query (a retryable error), and pg-pool discards the broken client when it is released.
 */
export function createPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    min: options.min,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 60_000,
    // Queries that hang (a lock, a dead server behind a black hole) become retryable errors.
    query_timeout: 60_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  pool.on("error", (error) => {
    options.logger.warn(
      { err: { message: error.message }, database: maskUrl(options.url) },
      "idle database connection failed; the pool will open a new one",
    );
  });
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      options.logger.warn(
        { err: { message: error.message }, database: maskUrl(options.url) },
        "database connection in use failed; its query fails (an outage hands the job back: see the database circuit)",
      );
    });
  });
  return pool;
}

/** Opens `count` connections now so the first job does not pay for them. */
export async function warmPool(pool: pg.Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: Math.max(1, count) }, () => pool.connect()));
  for (const client of clients) client.release();
}
