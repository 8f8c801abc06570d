/** The worker refuses to start, with one clear line, when it cannot do its job. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createRagCorpDatabase } from "../support/rag-corp-database.js";
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

  // exited() is bounded: a worker that retried an unreachable service for ever fails there.
  const refuse = async (overrides: Record<string, string>) => {
    const worker = startWorkerProcess(env.env(overrides));
    const code = await worker.exited();
    return { code, stderr: worker.stderr() };
  };

  test("a bad variable stops the process with one line naming it", async () => {
    const result = await refuse({ WORKER_THREADS: "zero" });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.match(result.stderr, /^ragworker: WORKER_THREADS: expected an integer from 1 to 256, got "zero"/);
  });

  test("Redis that does not answer: exit 1 (no retrying for ever), naming Redis and where", async () => {
    const result = await refuse({ REDIS_URL: "redis://:hunter2@127.0.0.1:1" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /redis unreachable at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });

  test("PostgreSQL that does not answer: exit 1 naming it, password masked", async () => {
    const result = await refuse({ DATABASE_URL: "postgres://ragworker:s3cret@127.0.0.1:1/ragworker" });
    assert.equal(result.code, 1);
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
      assert.match(
        worker.stderr(),
        /\(ragworker schema\) lacks chunks\.id, chunks\.document_id, .*chunks\.embedding_model: run 'ragworker migrate' first/,
      );
    } finally {
      await empty.close();
    }
  });

  test("one column the worker writes is missing: refuses in one line naming it", async () => {
    const damaged = await createTestEnvironment("startup-column", { embeddingDim: 64 });
    try {
      await damaged.db.query("ALTER TABLE documents DROP COLUMN processing_started_at");
      const worker = startWorkerProcess(damaged.env());
      assert.equal(await worker.exited(), 1);
      assert.equal(worker.stderr().trim().split("\n").length, 1);
      assert.match(worker.stderr(), /lacks documents\.processing_started_at: run 'ragworker migrate' first/);
    } finally {
      await damaged.close();
    }
  });

  test("rag-corp's database before ragworker migrate: refuses, naming ragworker's own tables", async () => {
    const ragCorp = await createRagCorpDatabase("startup-rag-corp");
    try {
      const worker = startWorkerProcess(
        env.env({ DATABASE_URL: ragCorp.database.url, EMBEDDING_DIM: "768", FAKE_EMBEDDINGS: "true" }),
      );
      assert.equal(await worker.exited(), 1);
      assert.match(worker.stderr(), /\(rag-corp schema\) lacks ragworker_claims\.document_id, /);
    } finally {
      await ragCorp.close();
    }
  });

  test("ENABLE_2TIER_RETRIEVAL on ragworker's schema: refuses, naming rag-corp's nodes table", async () => {
    const result = await refuse({ ENABLE_2TIER_RETRIEVAL: "true" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /lacks nodes\.id, .*ENABLE_2TIER_RETRIEVAL needs rag-corp's nodes table/);
  });
});
