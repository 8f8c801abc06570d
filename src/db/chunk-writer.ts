import type pg from "pg";
import { embeddingLiteral, type EmbeddingColumnKind } from "./embedding-column.js";
import type { DocumentStatus } from "./document-repository.js";

export interface ChunkRow {
  readonly index: number;
  readonly content: string;
  readonly metadata: Record<string, unknown>;
  readonly embedding: ArrayLike<number>;
  /** SHA-256 of the content: with the model, the key under which an embedding is reused. */
  readonly contentHash: string;
  readonly embeddingModel: string;
}

export type ReplaceOutcome =
  | { readonly replaced: true; readonly chunksCreated: number }
  | { readonly replaced: false; readonly observedStatus: DocumentStatus | null };

/**
 * Swaps a document's chunks and marks it `READY` in one transaction: readers see the old chunks
 * or the new ones, never a mix. The row lock and claim check make sure a job whose claim was
 * taken over (it ran past the claim's expiry) cannot overwrite the newer job's work.
 *
 * All rows go in one `INSERT ... SELECT FROM unnest(...)`: one round trip instead of one per chunk.
 */
export async function replaceChunks(
  pool: pg.Pool,
  write: { documentId: string; jobId: string; columnKind: EmbeddingColumnKind; chunks: readonly ChunkRow[] },
): Promise<ReplaceOutcome> {
  const client = await pool.connect();
  let released = false;
  try {
    await client.query("BEGIN");
    const locked = await client.query<{ status: DocumentStatus | null; processing_job_id: string | null }>(
      "SELECT status, processing_job_id FROM documents WHERE id = $1 FOR UPDATE",
      [write.documentId],
    );
    const row = locked.rows[0];
    if (!row || row.status !== "PROCESSING" || row.processing_job_id !== write.jobId) {
      await client.query("ROLLBACK");
      return { replaced: false, observedStatus: row?.status ?? null };
    }
    await client.query("DELETE FROM chunks WHERE document_id = $1", [write.documentId]);
    const cast = write.columnKind === "vector" ? "vector" : "real[]";
    await client.query(
      `INSERT INTO chunks (document_id, chunk_index, content, metadata, embedding, content_hash, embedding_model)
       SELECT $1, t.chunk_index, t.content, t.metadata, t.embedding::${cast}, t.content_hash, t.embedding_model
         FROM unnest($2::int[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[])
           AS t(chunk_index, content, metadata, embedding, content_hash, embedding_model)`,
      [
        write.documentId,
        write.chunks.map((chunk) => chunk.index),
        write.chunks.map((chunk) => chunk.content),
        write.chunks.map((chunk) => JSON.stringify(chunk.metadata)),
        write.chunks.map((chunk) => embeddingLiteral(write.columnKind, chunk.embedding)),
        write.chunks.map((chunk) => chunk.contentHash),
        write.chunks.map((chunk) => chunk.embeddingModel),
      ],
    );
    await client.query(
      `UPDATE documents
          SET status = 'READY', error_message = NULL, processing_job_id = NULL,
              processing_started_at = NULL, updated_at = now()
        WHERE id = $1`,
      [write.documentId],
    );
    await client.query("COMMIT");
    return { replaced: true, chunksCreated: write.chunks.length };
  } catch (error) {
    // A broken connection cannot roll back; destroy it instead of returning it to the pool.
    await client.query("ROLLBACK").catch(() => {
      client.release(true);
      released = true;
    });
    throw error;
  } finally {
    if (!released) client.release();
  }
}
