import assert from "node:assert/strict";
import { after, describe, it } from "./bounded-test.js";

import { Redis } from "ioredis";
import pg from "pg";

import {
  adminDatabaseUrl,
  createTestDatabase,
  redisUrl,
  uniqueQueueName,
  type TestDatabase,
} from "./services.js";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    const result = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("test services", () => {
  const created: TestDatabase[] = [];
  after(async () => {
    await Promise.all(created.map((database) => database.drop()));
  });

  it("createTestDatabase makes a database that can be queried", async () => {
    const database = await createTestDatabase("services smoke");
    created.push(database);
    assert.match(database.name, /^rw_test_services_smoke_[0-9a-f]{12}$/);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query<{ db: string; answer: number }>(
        "SELECT current_database() AS db, 41 + 1 AS answer",
      );
      assert.deepEqual(result.rows[0], { db: database.name, answer: 42 });
      await client.query("CREATE TABLE probe (id int PRIMARY KEY)");
      await client.query("INSERT INTO probe VALUES (1)");
    } finally {
      await client.end();
    }
  });

  it("gives every call its own name, at most 63 characters", async () => {
    const label = "A very long label, with spaces & symbols, that goes past the limit";
    const first = await createTestDatabase(label);
    created.push(first);
    const second = await createTestDatabase(label);
    created.push(second);
    assert.notEqual(first.name, second.name);
    assert.notEqual(first.url, second.url);
    for (const { name } of [first, second]) {
      assert.ok(name.length <= 63, name);
      assert.match(name, /^rw_test_[a-z0-9_]+$/);
    }
  });

  it("drop() removes the database, even with a session still open", async () => {
    const database = await createTestDatabase("drop");
    const client = new pg.Client({ connectionString: database.url });
    client.on("error", () => undefined); // its backend gets terminated by drop()
    await client.connect();
    try {
      assert.equal(await databaseExists(database.name), true);
      await database.drop();
      assert.equal(await databaseExists(database.name), false);
      await database.drop(); // a second call is harmless
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it("uniqueQueueName differs on every call", () => {
    const first = uniqueQueueName("Queue: one");
    const second = uniqueQueueName("Queue: one");
    assert.notEqual(first, second);
    assert.match(first, new RegExp(`^test-queue-one-${process.pid}-[0-9a-f]{8}$`));
  });

  it("Redis answers PING at redisUrl()", async () => {
    const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      assert.equal(await redis.ping(), "PONG");
    } finally {
      redis.disconnect();
    }
  });
});
