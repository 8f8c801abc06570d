/**
 * The one place tests get their Redis and PostgreSQL.
 *
 * The URLs come from the same variables the worker reads (REDIS_URL, DATABASE_URL) with the same
 * defaults as scripts/services.sh, which `npm test` runs first to make sure both answer.
 * Each test gets its own database (createTestDatabase) and its own queue names (uniqueQueueName),
 * so test files can run in parallel against the same servers.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "../../src/config/service-settings.js";

// The worker's own defaults (declared once, in src/config/service-settings.ts).
export { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL };

/** PostgreSQL's limit on identifier length (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_LENGTH = 63;

export interface TestDatabase {
  /** Connection URL of the new database (the admin URL with the database name swapped). */
  readonly url: string;
  /** The database's name, `rw_test_<label>_<random>`. */
  readonly name: string;
  /** Ends the database's sessions and drops it. Safe to call more than once. */
  drop(): Promise<void>;
}

export function redisUrl(): string {
  return nonEmpty(process.env["REDIS_URL"]) ?? DEFAULT_REDIS_URL;
}

/** The URL whose role creates and drops the test databases (it needs CREATEDB). */
export function adminDatabaseUrl(): string {
  return nonEmpty(process.env["DATABASE_URL"]) ?? DEFAULT_DATABASE_URL;
}

export interface TestDatabaseOptions {
  /**
   * true (default): made from template1, where `scripts/services.sh up` creates pgvector's
   * `vector` extension, so migrations take the `vector(N)` path. false: made from template0,
   * which has no extension; a role that is not a superuser cannot create it (it is not a trusted
   * extension), so migrations take the `real[]` path.
   */
  readonly pgvector?: boolean;
}

/** A fresh, empty database for one test (or one test file). Drop it in an `after` hook. */
export async function createTestDatabase(
  label: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString("hex");
  const room = MAX_IDENTIFIER_LENGTH - "rw_test_".length - "_".length - suffix.length;
  const name = `rw_test_${sanitize(label, /[^a-z0-9_]+/g, "_", room)}_${suffix}`;
  const adminUrl = adminDatabaseUrl();

  await withAdminClient(adminUrl, async (client) => {
    const template = options.pgvector === false ? " TEMPLATE template0" : "";
    // CREATE DATABASE copies the template and fails (55006) while any session is connected to it:
    // `scripts/services.sh up` connects to template1 for a moment to create pgvector there.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdentifier(name)}${template}`);
        break;
      } catch (error) {
        if (attempt >= 40 || (error as { code?: unknown }).code !== "55006") throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop(): Promise<void> {
      if (dropped) return;
      await withAdminClient(adminUrl, async (client) => {
        // Ends the test's own sessions, then drops without FORCE: FORCE tries to terminate every
        // backend, autovacuum included, and a non-superuser may not (42501). Without it, PostgreSQL
        // stops an autovacuum worker itself; a session still closing (55006) means try again.
        for (let attempt = 1; ; attempt += 1) {
          await client.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
            [name],
          );
          try {
            await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
            break;
          } catch (error) {
            if (attempt >= 40 || (error as { code?: unknown }).code !== "55006") throw error;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      });
      dropped = true;
    },
  };
}

/** A BullMQ queue name no other test or run uses: `test-<label>-<pid>-<random>`. */
export function uniqueQueueName(label: string): string {
  const suffix = randomBytes(4).toString("hex");
  return `test-${sanitize(label, /[^a-zA-Z0-9_-]+/g, "-", 60)}-${process.pid}-${suffix}`;
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // Both bounded: a DROP DATABASE stuck behind a lock fails with "Query read timeout".
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    query_timeout: 30_000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `test database server not reachable at ${redact(url)}: ${describe(error)} ` +
        "(start it with `bash scripts/services.sh up`)",
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function sanitize(label: string, disallowed: RegExp, replacement: string, maxLength: number): string {
  const cleaned = label
    .toLowerCase()
    .replace(disallowed, replacement)
    .slice(0, maxLength)
    .replace(/^[_-]+|[_-]+$/g, "");
  return cleaned === "" ? "x" : cleaned;
}

function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable DATABASE_URL>";
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
