import type pg from "pg";
import { copyChunks } from "./chunk-copy.js";
import { embeddingParameter, type EmbeddingColumnKind } from "./embedding-column.js";
import type { DocumentStatus } from "./document-repository.js";
import { inTransaction } from "./transaction.js";

export interface ChunkRow {
  readonly index: number;
  readonly content: string;
  readonly metadata: Record<string, unknown>;
  /** The metadata already serialised, when its exact JSON text matters (rag-corp's rows). */
  readonly metadataJson?: string;
  readonly embedding: ArrayLike<number>;
  /** SHA-256 of the content: with the model, the key under which an embedding is reused. */
  readonly contentHash: string;
  readonly embeddingModel: string;
}

// Six parameters a row; PostgreSQL allows 65,535 in one statement.
const ROWS_PER_STATEMENT = 1_000;

/**
 * How the rows travel: `copy`, one binary COPY (chunk-copy.ts), is the default and the fastest;
 * `insert`, multi-row INSERTs with parameters, is for a connection that cannot COPY (PGlite, on
 * which the tests check the `vector` path) and for the benchmark's comparison.
 */
export type ChunkTransfer = "copy" | "insert";

export type ReplaceOutcome =
  | { readonly replaced: true; readonly chunksCreated: number }
  | {
      readonly replaced: false;
      readonly observedStatus: DocumentStatus | null;
      /**
       * The document was cancelled under this job: soft-deleted, or moved out of `PROCESSING` while
       * the claim is still this job's (only a cancel does that; a takeover changes the claim).
       */
      readonly cancelled: boolean;
    };

/**
 * Swaps a document's chunks and marks it `READY` in one transaction: readers see the old chunks
 * or the new ones, never a mix. The row lock and claim check make sure a job whose claim was
 * taken over (it ran past the claim's expiry) cannot overwrite the newer job's work.
 *
 * Rows go in one binary COPY (copyChunks): measured here with 768 dimensions, 0.87–0.93 of the
 * server's own INSERT … SELECT for `vector` and 0.64–0.75 for `real[]`, against 0.08–0.09 and
 * 0.27–0.44 for multi-row INSERTs (README, "Performance").
 * With `transfer: "insert"`, multi-row INSERTs of up to ROWS_PER_STATEMENT rows, each embedding a
 * parameter (embeddingParameter).
 */
export async function replaceChunks(
  pool: pg.Pool,
  write: {
    documentId: string;
    jobId: string;
    columnKind: EmbeddingColumnKind;
    chunks: readonly ChunkRow[];
    transfer?: ChunkTransfer;
  },
): Promise<ReplaceOutcome> {
  return inTransaction(pool, async (client): Promise<ReplaceOutcome> => {
    const locked = await client.query<{
      status: DocumentStatus | null;
      processing_job_id: string | null;
      deleted: boolean;
    }>(
      `SELECT status, processing_job_id, deleted_at IS NOT NULL AS deleted
         FROM documents WHERE id = $1 FOR UPDATE`,
      [write.documentId],
    );
    const row = locked.rows[0];
    if (!row || row.deleted || row.status !== "PROCESSING" || row.processing_job_id !== write.jobId) {
      const ours = row?.processing_job_id === write.jobId;
      return {
        replaced: false,
        observedStatus: row?.status ?? null,
        cancelled: row !== undefined && (row.deleted || ours),
      };
    }
    await client.query("DELETE FROM chunks WHERE document_id = $1", [write.documentId]);
    if ((write.transfer ?? "copy") === "copy") {
      if (write.chunks.length > 0) await copyChunks(client, write.documentId, write.columnKind, write.chunks);
    } else {
      await insertAllChunks(client, write.documentId, write.columnKind, write.chunks);
    }
    await client.query(
      `UPDATE documents
          SET status = 'READY', error_message = NULL, processing_job_id = NULL,
              processing_started_at = NULL, updated_at = now()
        WHERE id = $1`,
      [write.documentId],
    );
    return { replaced: true, chunksCreated: write.chunks.length };
  });
}

async function insertAllChunks(
  client: pg.PoolClient,
  documentId: string,
  columnKind: EmbeddingColumnKind,
  chunks: readonly ChunkRow[],
): Promise<void> {
  for (let start = 0; start < chunks.length; start += ROWS_PER_STATEMENT) {
    await insertChunks(client, documentId, columnKind, chunks.slice(start, start + ROWS_PER_STATEMENT));
  }
}

async function insertChunks(
  client: pg.PoolClient,
  documentId: string,
  columnKind: EmbeddingColumnKind,
  chunks: readonly ChunkRow[],
): Promise<void> {
  const cast = embeddingCast(columnKind);
  const values: unknown[] = [documentId];
  const tuples = chunks.map((chunk) => {
    const at = values.length;
    values.push(...chunkParameters(columnKind, chunk));
    return `($1::uuid, $${at + 1}::int, $${at + 2}::text, $${at + 3}::jsonb, $${at + 4}::${cast}, $${at + 5}::text, $${at + 6}::text)`;
  });
  await client.query(
    `INSERT INTO chunks (document_id, chunk_index, content, metadata, embedding, content_hash, embedding_model)
     VALUES ${tuples.join(", ")}`,
    values,
  );
}

/** The SQL type an embedding parameter is cast to in the `chunks.embedding` column. */
export function embeddingCast(columnKind: EmbeddingColumnKind): string {
  return columnKind === "vector" ? "vector" : "real[]";
}

/**
 * One row's parameters after its document id, in column order: chunk_index, content, metadata,
 * embedding, content_hash, embedding_model.
 */
export function chunkParameters(columnKind: EmbeddingColumnKind, chunk: ChunkRow): unknown[] {
  return [
    chunk.index,
    chunk.content,
    JSON.stringify(chunk.metadata),
    embeddingParameter(columnKind, chunk.embedding),
    chunk.contentHash,
    chunk.embeddingModel,
  ];
}
