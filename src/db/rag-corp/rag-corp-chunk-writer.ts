import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { ChunkRow, ReplaceOutcome } from "../chunk-writer.js";
import type { DocumentStatus } from "../document-repository.js";
import { embeddingLiteral } from "../embedding-column.js";
import { inTransaction } from "../transaction.js";

/** One of rag-corp's 2-tier retrieval nodes: a group of consecutive chunks, embedded as one text. */
export interface NodeRow {
  readonly index: number;
  readonly text: string;
  readonly spanStart: number;
  readonly spanEnd: number;
  readonly embedding: ArrayLike<number>;
}

export interface RagCorpChunkWrite {
  readonly documentId: string;
  readonly workspaceId: string;
  readonly jobId: string;
  readonly chunks: readonly ChunkRow[];
  /** null: 2-tier retrieval is off, the document's nodes are left alone (as rag-corp does). */
  readonly nodes: readonly NodeRow[] | null;
}

// rag-corp's allow-list of full-text configurations (its workspaces CHECK); anything else: spanish.
const FTS_LANGUAGES = new Set(["spanish", "english", "simple"]);
// Five parameters a chunk row; PostgreSQL allows 65,535 in one statement.
const ROWS_PER_STATEMENT = 1_000;

/**
 * Writes a document's chunks the way rag-corp's repository does — an application-made uuid per
 * row, `tsv` = to_tsvector(the workspace's fts_language, content), the vector as pgvector parses
 * it — and marks the document `READY`. Unlike rag-corp (delete, insert and status update on three
 * connections), it is one transaction: readers see the old chunks or the new ones, never none,
 * and a job whose claim was taken over, or whose document was cancelled (`FAILED`) or
 * soft-deleted meanwhile, writes nothing.
 */
export async function replaceRagCorpChunks(pool: pg.Pool, write: RagCorpChunkWrite): Promise<ReplaceOutcome> {
  return inTransaction(pool, async (client): Promise<ReplaceOutcome> => {
    const locked = await client.query<{
      status: DocumentStatus | null;
      deleted: boolean;
      job_id: string | null;
    }>(
      `SELECT d.status, d.deleted_at IS NOT NULL AS deleted, c.job_id
           FROM documents d LEFT JOIN ragworker_claims c ON c.document_id = d.id
          WHERE d.id = $1 AND d.workspace_id = $2
            FOR UPDATE OF d`,
      [write.documentId, write.workspaceId],
    );
    const row = locked.rows[0];
    if (!row || row.deleted || row.status !== "PROCESSING" || row.job_id !== write.jobId) {
      return {
        replaced: false,
        observedStatus: row && !row.deleted ? row.status : null,
        // Deleted, or rag-corp's cancel moved it out of PROCESSING while the claim is still ours.
        cancelled: row !== undefined && (row.deleted || row.job_id === write.jobId),
      };
    }
    const language = await client.query<{ fts_language: string | null }>(
      "SELECT fts_language FROM workspaces WHERE id = $1",
      [write.workspaceId],
    );
    const configured = language.rows[0]?.fts_language ?? "spanish";
    const ftsLanguage = FTS_LANGUAGES.has(configured) ? configured : "spanish";

    await client.query("DELETE FROM chunks WHERE document_id = $1", [write.documentId]);
    await client.query("DELETE FROM ragworker_chunk_keys WHERE document_id = $1", [write.documentId]);
    const ids = write.chunks.map(() => randomUUID());
    for (let start = 0; start < write.chunks.length; start += ROWS_PER_STATEMENT) {
      await insertChunks(
        client,
        write.documentId,
        ftsLanguage,
        write.chunks.slice(start, start + ROWS_PER_STATEMENT),
        ids.slice(start, start + ROWS_PER_STATEMENT),
      );
    }
    if (write.chunks.length > 0) {
      await client.query(
        `INSERT INTO ragworker_chunk_keys (chunk_id, document_id, content_hash, embedding_model)
           SELECT id, $2::uuid, hash, model FROM unnest($1::uuid[], $3::text[], $4::text[]) AS k(id, hash, model)`,
        [
          ids,
          write.documentId,
          write.chunks.map((chunk) => chunk.contentHash),
          write.chunks.map((chunk) => chunk.embeddingModel),
        ],
      );
    }
    if (write.nodes !== null) await replaceNodes(client, write.documentId, write.workspaceId, write.nodes);
    await client.query("UPDATE documents SET status = 'READY', error_message = NULL WHERE id = $1", [
      write.documentId,
    ]);
    await client.query("DELETE FROM ragworker_claims WHERE document_id = $1", [write.documentId]);
    return { replaced: true, chunksCreated: write.chunks.length };
  });
}

async function insertChunks(
  client: pg.PoolClient,
  documentId: string,
  ftsLanguage: string,
  chunks: readonly ChunkRow[],
  ids: readonly string[],
): Promise<void> {
  const values: unknown[] = [documentId, ftsLanguage];
  const tuples = chunks.map((chunk, position) => {
    const at = values.length;
    values.push(
      ids[position],
      chunk.index,
      chunk.content,
      embeddingLiteral("vector", chunk.embedding),
      chunk.metadataJson ?? JSON.stringify(chunk.metadata),
    );
    return `($${at + 1}::uuid, $1::uuid, $${at + 2}::int, $${at + 3}::text, $${at + 4}::vector, $${at + 5}::jsonb,
             to_tsvector($2::regconfig, coalesce($${at + 3}::text, '')))`;
  });
  await client.query(
    `INSERT INTO chunks (id, document_id, chunk_index, content, embedding, metadata, tsv)
     VALUES ${tuples.join(", ")}`,
    values,
  );
}

/**
 * rag-corp deletes and rebuilds a document's nodes when 2-tier retrieval is on. With no chunks
 * rag-corp keeps the old nodes, which then point at chunks that are gone; here they are deleted.
 */
async function replaceNodes(
  client: pg.PoolClient,
  documentId: string,
  workspaceId: string,
  nodes: readonly NodeRow[],
): Promise<void> {
  await client.query("DELETE FROM nodes WHERE document_id = $1", [documentId]);
  if (nodes.length === 0) return;
  await client.query(
    `INSERT INTO nodes (id, workspace_id, document_id, node_index, node_text, span_start, span_end, embedding, metadata)
     SELECT id, $2::uuid, $3::uuid, node_index, node_text, span_start, span_end, embedding::vector, '{}'::jsonb
       FROM unnest($1::uuid[], $4::int[], $5::text[], $6::int[], $7::int[], $8::text[])
            AS n(id, node_index, node_text, span_start, span_end, embedding)`,
    [
      nodes.map(() => randomUUID()),
      workspaceId,
      documentId,
      nodes.map((node) => node.index),
      nodes.map((node) => node.text),
      nodes.map((node) => node.spanStart),
      nodes.map((node) => node.spanEnd),
      nodes.map((node) => embeddingLiteral("vector", node.embedding)),
    ],
  );
}
