import assert from "node:assert/strict";
import { after, before, describe, it } from "../support/bounded-test.js";

import pg from "pg";

import { classifyDatabaseError } from "../../src/db/classify-database-error.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import type { RagworkerError } from "../../src/errors/ragworker-error.js";
import { DependencyUnavailableError } from "../../src/errors/dependency-unavailable-error.js";
import { TransientError } from "../../src/errors/transient-error.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

/** What a real statement threw. */
async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  assert.fail("expected the database call to fail");
}

function assertPermanent(classified: RagworkerError, original: unknown, sqlstate: string): void {
  assert.ok(classified instanceof PermanentError, `expected PermanentError, got ${classified.name}`);
  assert.equal(classified.code, "DATABASE_REJECTED");
  assert.equal(classified.retryable, false);
  assert.equal(classified.context["sqlstate"], sqlstate);
  assert.equal(classified.cause, original);
}

function assertTransient(classified: RagworkerError, original: unknown): void {
  assert.ok(classified instanceof TransientError, `expected TransientError, got ${classified.name}`);
  assert.equal(classified.code, "DATABASE_UNAVAILABLE");
  assert.equal(classified.retryable, true);
  assert.equal(classified.cause, original);
}

describe("classifyDatabaseError with errors from a real PostgreSQL", () => {
  let database: TestDatabase;
  let client: pg.Client;

  before(async () => {
    database = await createTestDatabase("classify_error");
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("CREATE TABLE probe (id int PRIMARY KEY, label text NOT NULL)");
    await client.query("INSERT INTO probe VALUES (1, 'one')");
  });

  after(async () => {
    await client?.end();
    await database?.drop();
  });

  it("a syntax error is permanent (DATABASE_REJECTED) and names the operation", async () => {
    const error = await errorOf(() => client.query("SELEC 1"));
    const classified = classifyDatabaseError(error, "load document");
    assertPermanent(classified, error, "42601");
    assert.match(classified.message, /load document/);
    assert.match(classified.message, /syntax error/);
  });

  it("an unknown table is permanent", async () => {
    const error = await errorOf(() => client.query("SELECT * FROM no_such_table"));
    assertPermanent(classifyDatabaseError(error, "query"), error, "42P01");
  });

  it("a unique violation is permanent", async () => {
    const error = await errorOf(() => client.query("INSERT INTO probe VALUES (1, 'again')"));
    assertPermanent(classifyDatabaseError(error, "insert chunks"), error, "23505");
  });

  it("a NOT NULL violation is permanent", async () => {
    const error = await errorOf(() => client.query("INSERT INTO probe VALUES (2, NULL)"));
    assertPermanent(classifyDatabaseError(error, "insert"), error, "23502");
  });

  it("bad data (an invalid uuid, a division by zero) is permanent", async () => {
    const uuid = await errorOf(() => client.query("SELECT $1::uuid", ["not-a-uuid"]));
    assertPermanent(classifyDatabaseError(uuid, "load"), uuid, "22P02");
    const division = await errorOf(() => client.query("SELECT 1 / 0"));
    assertPermanent(classifyDatabaseError(division, "compute"), division, "22012");
  });

  it("a serialization failure (40001) is transient", async () => {
    const error = await errorOf(() =>
      client.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"),
    );
    const classified = classifyDatabaseError(error, "replace chunks");
    assertTransient(classified, error);
    assert.equal(classified.context["sqlstate"], "40001");
    assert.match(classified.message, /replace chunks/);
  });

  it("a deadlock (40P01) and an admin shutdown (57P01) are transient", async () => {
    for (const sqlstate of ["40P01", "57P01", "53300"]) {
      const error = await errorOf(() =>
        client.query(`DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '${sqlstate}'; END $$`),
      );
      const classified = classifyDatabaseError(error, "op");
      assertTransient(classified, error);
      assert.equal(classified.context["sqlstate"], sqlstate);
    }
  });

  it("outages open the database circuit; deadlocks, conflicts and timeouts spend an attempt", async () => {
    const outage = async (sqlstate: string) => {
      const error = await errorOf(() =>
        client.query(`DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '${sqlstate}'; END $$`),
      );
      const classified = classifyDatabaseError(error, "op");
      return classified instanceof DependencyUnavailableError ? classified : null;
    };
    for (const sqlstate of ["57P01", "57P03", "53300", "08006", "25006", "3D000"]) {
      assert.equal((await outage(sqlstate))?.dependency, "database", `${sqlstate} is an outage`);
    }
    assert.equal((await outage("28P01"))?.credentialsRejected, true, "refused credentials say so");
    for (const sqlstate of ["40001", "40P01", "57014", "XX000"]) {
      assert.equal(await outage(sqlstate), null, `${sqlstate} is not an outage`);
    }
  });

  it("a statement timeout (57014) is transient", async () => {
    await client.query("SET statement_timeout = 50");
    try {
      const error = await errorOf(() => client.query("SELECT pg_sleep(2)"));
      const classified = classifyDatabaseError(error, "slow query");
      assertTransient(classified, error);
      assert.equal(classified.context["sqlstate"], "57014");
    } finally {
      await client.query("RESET statement_timeout");
    }
  });

  it("a refused connection is transient DATABASE_UNAVAILABLE with its errno", async () => {
    const closed = new pg.Client({
      connectionString: "postgres://ragworker:s3cr3t-pw@127.0.0.1:1/ragworker",
      connectionTimeoutMillis: 5_000,
    });
    const error = await errorOf(() => closed.connect());
    await closed.end().catch(() => undefined);
    const classified = classifyDatabaseError(error, "connect");
    assertTransient(classified, error);
    assert.ok(classified instanceof DependencyUnavailableError && classified.dependency === "database");
    assert.equal(classified.context["errno"], "ECONNREFUSED");
    assert.equal(classified.context["sqlstate"], undefined);
    assert.ok(!classified.message.includes("s3cr3t-pw"), classified.message);
  });

  it("a connection whose server went away is transient", async () => {
    const victim = new pg.Client({ connectionString: database.url });
    victim.on("error", () => undefined);
    await victim.connect();
    try {
      const pid = (await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      await client.query("SELECT pg_terminate_backend($1)", [pid]);
      const error = await errorOf(() => victim.query("SELECT 1"));
      const classified = classifyDatabaseError(error, "query");
      assertTransient(classified, error);
      assert.ok(classified instanceof DependencyUnavailableError, "a cut connection is an outage");
    } finally {
      await victim.end().catch(() => undefined);
    }
  });
});

describe("classifyDatabaseError with other inputs", () => {
  it("returns a RagworkerError it is given unchanged", () => {
    const permanent = new PermanentError("FILE_TOO_LARGE", "too big");
    assert.equal(classifyDatabaseError(permanent, "op"), permanent);
    const transient = new TransientError("STORAGE_UNAVAILABLE", "later");
    assert.equal(classifyDatabaseError(transient, "op"), transient);
  });

  it("treats an error without a code, or a thrown non-Error, as transient", () => {
    const timeout = new Error("timeout exceeded when trying to connect");
    assertTransient(classifyDatabaseError(timeout, "connect"), timeout);
    const thrown = classifyDatabaseError("socket hang up", "query");
    assertTransient(thrown, "socket hang up");
    assert.match(thrown.message, /socket hang up/);
    assert.deepEqual(classifyDatabaseError(null, "query").retryable, true);
  });

  it("reports a five-letter socket errno (EPIPE) as errno, not as a SQLSTATE", () => {
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
    const classified = classifyDatabaseError(epipe, "query");
    assertTransient(classified, epipe);
    assert.equal(classified.context["errno"], "EPIPE");
    assert.equal(classified.context["sqlstate"], undefined);
  });
});
