import type pg from "pg";

/**
 * Runs `work` in one transaction on a client of its own: COMMIT when it resolves (a `work` that
 * decided to write nothing commits nothing), ROLLBACK when it throws.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let released = false;
  try {
    await client.query("BEGIN");
    const value = await work(client);
    await client.query("COMMIT");
    return value;
  } catch (error) {
    // A broken connection cannot roll back; destroy it instead of returning it to the pool.
    await client.query("ROLLBACK").catch(() => {
      client.release(true);
      released = true;
    });
    throw error;
  } finally {
    if (!released) client.release();
  }
}
