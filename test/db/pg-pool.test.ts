/**
 * The pool's error listeners with a real server cutting connections: neither an idle client nor
 * one checked out between two queries may turn into an uncaught exception.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "../support/bounded-test.js";
import pg from "pg";
import { pino } from "pino";
import { createPgPool } from "../../src/db/pg-pool.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

describe("createPgPool", () => {
  let database: TestDatabase;
  let admin: pg.Client;
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "warn" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );

  before(async () => {
    database = await createTestDatabase("pg-pool");
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await database.drop();
  });

  const terminate = (pid: number) => admin.query("SELECT pg_terminate_backend($1)", [pid]);
  const waitForLine = async (msg: string) => {
    for (const deadline = Date.now() + 10_000; !lines.some((line) => line["msg"] === msg);) {
      assert.ok(Date.now() < deadline, `no log line "${msg}"`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  test("a checked-out client whose connection is cut logs, fails its next query, and is replaced", async () => {
    const pool = createPgPool({ url: database.url, min: 1, max: 1, applicationName: "pool-test", logger });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const client = await pool.connect();
      const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? 0;
      await client.query("BEGIN");
      await terminate(pid);
      await waitForLine(
        "database connection in use failed; its query fails (an outage hands the job back: see the database circuit)",
      );
      await assert.rejects(client.query("SELECT 1"));
      client.release(true);
      const fresh = await pool.query<{ one: number }>("SELECT 1 AS one");
      assert.equal(fresh.rows[0]?.one, 1);
      assert.deepEqual(uncaught, []);
    } finally {
      process.off("uncaughtException", onUncaught);
      await pool.end();
    }
  });

  test("an idle client whose connection is cut logs and is replaced", async () => {
    const pool = createPgPool({ url: database.url, min: 1, max: 1, applicationName: "pool-test", logger });
    try {
      const client = await pool.connect();
      const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? 0;
      client.release();
      await terminate(pid);
      await waitForLine("idle database connection failed; the pool will open a new one");
      const fresh = await pool.query<{ one: number }>("SELECT 1 AS one");
      assert.equal(fresh.rows[0]?.one, 1);
    } finally {
      await pool.end();
    }
  });
});
