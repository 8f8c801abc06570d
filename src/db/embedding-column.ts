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
