import { EMBEDDING_DIM_CONSTRAINT } from "./migrations.js";
import type { Queryable } from "./queryable.js";

export type EmbeddingColumnKind = "vector" | "real[]";

export interface EmbeddingColumn {
  readonly kind: EmbeddingColumnKind;
  readonly dimension: number;
}

/**
 * Reads what `chunks.embedding` really is: for `vector(N)` the type modifier holds N, for
 * `real[]` the dimension lives in the CHECK constraint the migration wrote.
 */
export async function readEmbeddingColumn(db: Queryable): Promise<EmbeddingColumn | null> {
  const column = await db.query<{ type_name: string; typmod: number }>(
    `SELECT t.typname AS type_name, a.atttypmod AS typmod
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass('chunks') AND a.attname = 'embedding' AND NOT a.attisdropped`,
  );
  const row = column.rows[0];
  if (!row) return null;
  if (row.type_name === "vector") return { kind: "vector", dimension: Number(row.typmod) };
  const check = await db.query<{ definition: string }>(
    `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
      WHERE conrelid = to_regclass('chunks') AND conname = $1`,
    [EMBEDDING_DIM_CONSTRAINT],
  );
  // Schemas made before the cardinality() form used array_length(embedding, 1): read both.
  const match = /(?:cardinality\(embedding\)|array_length\(embedding, 1\))\s*=\s*(\d+)/.exec(
    check.rows[0]?.definition ?? "",
  );
  return { kind: "real[]", dimension: match?.[1] ? Number(match[1]) : 0 };
}

/** Formats a vector as the literal its column type parses. */
export function embeddingLiteral(kind: EmbeddingColumnKind, vector: ArrayLike<number>): string {
  const values = Array.from(vector, (value) => (Number.isFinite(value) ? value : 0)).join(",");
  return kind === "vector" ? `[${values}]` : `{${values}}`;
}

const FLOAT4_OID = 700;

/** Bytes of a vector in PostgreSQL's binary `real[]` array format (float4ArrayBinary). */
export function float4ArrayByteLength(dimension: number): number {
  return (dimension === 0 ? 12 : 20) + dimension * 8;
}

/**
 * A `real[]` vector in PostgreSQL's binary array format (array_recv): node-postgres sends a
 * Buffer parameter as binary, so neither side prints or parses 17-digit decimals: measured
 * here, 768 dimensions took about 0.2 ms a vector to print as text, 10–40 times less to encode so,
 * and less than half the bytes to send. Non-finite values become 0, as in embeddingLiteral.
 */
export function float4ArrayBinary(vector: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(float4ArrayByteLength(vector.length));
  writeFloat4Array(new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength), 0, vector);
  return buffer;
}

/**
 * Writes float4ArrayBinary's bytes at `offset` (the caller made room for float4ArrayByteLength)
 * and returns the offset after them: a COPY row is encoded in place, without a Buffer per vector.
 */
export function writeFloat4Array(view: DataView, offset: number, vector: ArrayLike<number>): number {
  // DataView's setters compile to plain stores; Buffer's writeFloatBE showed up in thread profiles.
  view.setInt32(offset, vector.length === 0 ? 0 : 1); // dimensions
  view.setInt32(offset + 4, 0); // no NULL elements
  view.setInt32(offset + 8, FLOAT4_OID);
  let at = offset + 12;
  if (vector.length > 0) {
    view.setInt32(at, vector.length);
    view.setInt32(at + 4, 1); // lower bound
    at += 8;
  }
  for (let index = 0; index < vector.length; index += 1, at += 8) {
    const value = vector[index] ?? 0;
    view.setInt32(at, 4);
    view.setFloat32(at + 4, Number.isFinite(value) ? value : 0);
  }
  return at;
}

/** Bytes of a vector in pgvector's binary `vector` format (writeVectorBinary). */
export function vectorByteLength(dimension: number): number {
  return 4 + dimension * 4;
}

/**
 * Writes a vector in pgvector's binary format (vector_send/vector_recv: int16 dimensions, int16
 * unused = 0, then each float4, all big-endian) at `offset` and returns the offset after it.
 * vector_recv refuses NaN and ±Infinity: they become 0, as in embeddingLiteral. A dimension over
 * int16 is left for the server to refuse (pgvector's limit is 16,000).
 */
export function writeVectorBinary(view: DataView, offset: number, vector: ArrayLike<number>): number {
  view.setInt16(offset, vector.length);
  view.setInt16(offset + 2, 0);
  let at = offset + 4;
  for (let index = 0; index < vector.length; index += 1, at += 4) {
    const value = vector[index] ?? 0;
    view.setFloat32(at, Number.isFinite(value) ? value : 0);
  }
  return at;
}

/**
 * The query parameter for one embedding: binary for `real[]`; the text literal for `vector`,
 * whose binary form is pgvector's own (and PGlite, which tests that path, takes text).
 */
export function embeddingParameter(kind: EmbeddingColumnKind, vector: ArrayLike<number>): Buffer | string {
  return kind === "real[]" ? float4ArrayBinary(vector) : embeddingLiteral(kind, vector);
}
