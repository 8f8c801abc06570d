import type { DatabaseSchema } from "./database-schema.js";
import type { Queryable } from "./queryable.js";

/** Every column the worker reads or writes, by table: the start-up check looks for each one. */
const REQUIRED_COLUMNS: Record<DatabaseSchema, Record<string, readonly string[]>> = {
  ragworker: {
    workspaces: ["id"],
    documents: [
      "id",
      "workspace_id",
      "title",
      "file_name",
      "mime_type",
      "storage_key",
      "status",
      "error_message",
      "processing_job_id",
      "processing_started_at",
      "updated_at",
      "deleted_at",
    ],
    chunks: [
      "id",
      "document_id",
      "chunk_index",
      "content",
      "metadata",
      "embedding",
      "content_hash",
      "embedding_model",
    ],
    ragworker_reconciles: ["document_id", "round", "reconciled_at"],
  },
  "rag-corp": {
    workspaces: ["id", "fts_language"],
    documents: [
      "id",
      "workspace_id",
      "title",
      "file_name",
      "mime_type",
      "storage_key",
      "status",
      "error_message",
      "created_at",
      "deleted_at",
    ],
    chunks: ["id", "document_id", "chunk_index", "content", "metadata", "embedding", "tsv"],
    ragworker_claims: ["document_id", "job_id", "claimed_at"],
    ragworker_chunk_keys: ["chunk_id", "document_id", "content_hash", "embedding_model"],
    ragworker_reconciles: ["document_id", "round", "reconciled_at"],
  },
};

/** Only with ENABLE_2TIER_RETRIEVAL: rag-corp's nodes table. */
const NODE_COLUMNS = {
  nodes: [
    "id",
    "workspace_id",
    "document_id",
    "node_index",
    "node_text",
    "span_start",
    "span_end",
    "metadata",
    "embedding",
  ],
} as const;

/**
 * The `table.column` names the worker needs and the database lacks, in a stable order; empty when
 * everything is there. A missing table shows as every one of its columns.
 */
export async function findMissingColumns(
  db: Queryable,
  schema: DatabaseSchema,
  options: { nodes: boolean },
): Promise<string[]> {
  const required: Record<string, readonly string[]> = {
    ...REQUIRED_COLUMNS[schema],
    ...(options.nodes ? NODE_COLUMNS : {}),
  };
  const wanted = Object.entries(required).flatMap(([table, columns]) =>
    columns.map((column) => `${table}.${column}`),
  );
  const present = await db.query<{ name: string }>(
    `SELECT c.relname || '.' || a.attname AS name
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.oid = ANY (SELECT to_regclass(t)::oid FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL)
        AND a.attnum > 0 AND NOT a.attisdropped`,
    [Object.keys(required)],
  );
  const found = new Set(present.rows.map((row) => row.name));
  return wanted.filter((name) => !found.has(name));
}
