import { RECONCILES_TABLE, type Migration } from "../migrations.js";

/**
 * What `ragworker migrate` adds to a rag-corp database: its own tables only, never a column,
 * index, trigger or constraint on rag-corp's. No foreign keys either: one pointing at
 * `documents` or `chunks` would make a later alembic migration that drops or rebuilds those
 * tables fail. Rows left behind by rag-corp's deletes are harmless (every read joins rag-corp's
 * tables) and are pruned when their document is processed again.
 *
 * Versions start at 1001 so they never meet the ragworker schema's in `ragworker_migrations`.
 */
export const RAG_CORP_MIGRATIONS: readonly Migration[] = [
  {
    version: 1001,
    name: "rag-corp: job claims",
    // rag-corp's documents have no claim columns: which job holds a PROCESSING document, and
    // since when, lives here so a killed worker's document is taken over instead of stuck.
    statements: () => [
      `CREATE TABLE IF NOT EXISTS ragworker_claims (
        document_id uuid PRIMARY KEY,
        job_id text NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 1002,
    name: "rag-corp: chunk content keys for embedding reuse",
    // Unchanged text re-uses its stored vector instead of paying the embedding service again.
    statements: () => [
      `CREATE TABLE IF NOT EXISTS ragworker_chunk_keys (
        chunk_id uuid PRIMARY KEY,
        document_id uuid NOT NULL,
        content_hash text NOT NULL,
        embedding_model text NOT NULL
      )`,
      "CREATE INDEX IF NOT EXISTS ragworker_chunk_keys_hash_idx ON ragworker_chunk_keys (content_hash, embedding_model)",
      "CREATE INDEX IF NOT EXISTS ragworker_chunk_keys_document_idx ON ragworker_chunk_keys (document_id)",
    ],
  },
  {
    version: 1003,
    name: "rag-corp: reconciler rounds",
    // No index on rag-corp's documents: its own ix_documents_status already confines the
    // reconciler's queries to the PENDING and PROCESSING rows (bench/reconciler-plan.ts measures it).
    statements: () => [RECONCILES_TABLE],
  },
];
