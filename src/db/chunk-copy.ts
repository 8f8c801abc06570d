import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { ChunkRow } from "./chunk-writer.js";
import {
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
  CopyBinaryWriter,
  encodedField,
} from "./copy-binary-writer.js";
import type { EmbeddingColumnKind } from "./embedding-column.js";

// `id` is sent, not left to its DEFAULT gen_random_uuid(): a volatile default makes COPY insert
// row by row (CIM_SINGLE in PostgreSQL's copyfrom.c) instead of in heap_multi_insert batches.
const COPY_CHUNKS = `COPY chunks (id, document_id, chunk_index, content, metadata, embedding, content_hash, embedding_model)
  FROM STDIN (FORMAT binary)`;
const FIELDS = 8;

/**
 * Bytes encoded before a piece is handed to the connection: large enough that the stream's
 * per-piece cost vanishes (a 768-dimension row is about 4 KB), small enough that PostgreSQL
 * starts on the first rows while the rest are still being encoded.
 */
const PIECE_BYTES = 256 * 1024;

/**
 * Writes a document's chunk rows with one `COPY … FROM STDIN (FORMAT binary)` on `client`, inside
 * its transaction: no SQL to parse or plan per statement, no parameter decoding, every value
 * in its type's binary form (the embedding as `vector` or `real[]`, as the column is). Each
 * column's checks still run (pgvector's dimension, the `real[]` CHECK, NOT NULL, the unique
 * index), and a failure ends the COPY with the server's error, leaving the transaction aborted.
 */
export async function copyChunks(
  client: pg.PoolClient,
  documentId: string,
  columnKind: EmbeddingColumnKind,
  chunks: readonly ChunkRow[],
): Promise<void> {
  await pipeline(
    Readable.from(encodedPieces(documentId, columnKind, chunks)),
    client.query(copyFrom(COPY_CHUNKS)),
  );
}

function* encodedPieces(
  documentId: string,
  columnKind: EmbeddingColumnKind,
  chunks: readonly ChunkRow[],
): Generator<Buffer> {
  yield COPY_BINARY_HEADER;
  const documentField = encodedField((field) => field.uuid(documentId));
  const writer = new CopyBinaryWriter(PIECE_BYTES + 64 * 1024);
  for (const chunk of chunks) {
    writer
      .row(FIELDS)
      .randomUuid()
      .encoded(documentField)
      .int4(chunk.index)
      .text(chunk.content)
      .jsonb(JSON.stringify(chunk.metadata))
      .embedding(columnKind, chunk.embedding)
      .text(chunk.contentHash)
      .text(chunk.embeddingModel);
    if (writer.pending >= PIECE_BYTES) yield writer.take();
  }
  if (writer.pending > 0) yield writer.take();
  yield COPY_BINARY_TRAILER;
}
