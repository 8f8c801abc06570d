/**
 * `ragworker migrate` on a database built like rag-corp's (alembic head 010): recognised, given
 * ragworker's own bookkeeping tables, and rag-corp's tables left exactly as they were.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "../../support/bounded-test.js";
import { detectDatabaseSchema } from "../../../src/db/database-schema.js";
import { migrate } from "../../../src/db/migrate.js";
import { findMissingColumns } from "../../../src/db/schema-requirements.js";
import {
  RAG_CORP_TABLES,
  createRagCorpDatabase,
  describeTables,
  type RagCorpDatabase,
} from "../../support/rag-corp-database.js";

describe("ragworker migrate on rag-corp's database", () => {
  let ragCorp: RagCorpDatabase;

  before(async () => {
    ragCorp = await createRagCorpDatabase("rc-migrate");
  });

  after(async () => {
    await ragCorp.close();
  });

  it("is recognised as rag-corp's schema, and the start-up check names what is missing before migrating", async () => {
    assert.equal(await detectDatabaseSchema(ragCorp.db), "rag-corp");
    const missing = await findMissingColumns(ragCorp.db, "rag-corp", { nodes: false });
    assert.deepEqual(missing, [
      "ragworker_claims.document_id",
      "ragworker_claims.job_id",
      "ragworker_claims.claimed_at",
      "ragworker_chunk_keys.chunk_id",
      "ragworker_chunk_keys.document_id",
      "ragworker_chunk_keys.content_hash",
      "ragworker_chunk_keys.embedding_model",
      "ragworker_reconciles.document_id",
      "ragworker_reconciles.round",
      "ragworker_reconciles.reconciled_at",
    ]);
  });

  it("migrated twice, adds only its own tables and leaves rag-corp's tables unchanged", async () => {
    const before = await describeTables(ragCorp.db, RAG_CORP_TABLES);
    const client = await ragCorp.db.connect();
    try {
      const first = await migrate(client, { embeddingDim: 768 });
      assert.equal(first.schema, "rag-corp");
      assert.deepEqual(first.applied, [1001, 1002, 1003]);
      const second = await migrate(client, { embeddingDim: 768 });
      assert.deepEqual(second.applied, [], "the second run has nothing to do");
    } finally {
      client.release();
    }
    assert.deepEqual(await describeTables(ragCorp.db, RAG_CORP_TABLES), before);
    const alembic = await ragCorp.db.query<{ version_num: string }>(
      "SELECT version_num FROM alembic_version",
    );
    assert.deepEqual(alembic.rows, [{ version_num: "010" }], "alembic's head is untouched");
    const own = await ragCorp.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name LIKE 'ragworker%' ORDER BY table_name`,
    );
    assert.deepEqual(
      own.rows.map((row) => row.table_name),
      ["ragworker_chunk_keys", "ragworker_claims", "ragworker_migrations", "ragworker_reconciles"],
    );
    // No foreign key points into rag-corp's tables: a later alembic migration may drop or rebuild them.
    const references = await ragCorp.db.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint
        WHERE contype = 'f' AND conrelid::regclass::text LIKE 'ragworker%'`,
    );
    assert.deepEqual(references.rows, []);
    assert.deepEqual(await findMissingColumns(ragCorp.db, "rag-corp", { nodes: true }), []);
  });
});
