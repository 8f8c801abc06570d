/** The worker refuses to start, with one clear line, when it cannot do its job. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess } from "../support/worker-process.js";

describe("worker start-up checks", () => {
  let env: TestEnvironment;

  before(async () => {
    env = await createTestEnvironment("startup", { embeddingDim: 64 });
  });
  after(async () => {
    await env.close();
  });

  const refuse = async (overrides: Record<string, string>) => {
    const started = Date.now();
    const worker = startWorkerProcess(env.env(overrides));
    const code = await worker.exited();
    return { code, stderr: worker.stderr(), seconds: (Date.now() - started) / 1000 };
  };

  test("a bad variable stops the process with one line naming it", async () => {
    const result = await refuse({ WORKER_THREADS: "zero" });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.match(result.stderr, /^ragworker: WORKER_THREADS: expected an integer from 1 to 256, got "zero"/);
  });

  test("Redis that does not answer: exit 1 within seconds, naming Redis and where", async () => {
    const result = await refuse({ REDIS_URL: "redis://:hunter2@127.0.0.1:1" });
    assert.equal(result.code, 1);
    assert.ok(result.seconds < 10, `took ${result.seconds} s`);
    assert.match(result.stderr, /redis unreachable at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });

  test("PostgreSQL that does not answer: exit 1 naming it, password masked", async () => {
    const result = await refuse({ DATABASE_URL: "postgres://ragworker:s3cret@127.0.0.1:1/ragworker" });
    assert.equal(result.code, 1);
    assert.ok(result.seconds < 10, `took ${result.seconds} s`);
    assert.match(
      result.stderr,
      /postgresql unreachable at postgres:\/\/ragworker:\*\*\*@127\.0\.0\.1:1\/ragworker/,
    );
    assert.doesNotMatch(result.stderr, /s3cret/);
  });

  test("EMBEDDING_DIM different from the column's: refuses, naming both numbers", async () => {
    const result = await refuse({ EMBEDDING_DIM: "32" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /EMBEDDING_DIM is 32 but chunks\.embedding has 64 dimensions/);
  });

  test("a database without the schema: refuses and says to migrate", async () => {
    const empty = await createTestEnvironment("startup-empty", { embeddingDim: 64 });
    try {
      await empty.db.query("DROP TABLE chunks");
      const worker = startWorkerProcess(empty.env());
      assert.equal(await worker.exited(), 1);
      assert.match(worker.stderr(), /no chunks table: run 'ragworker migrate' first/);
    } finally {
      await empty.close();
    }
  });
});
