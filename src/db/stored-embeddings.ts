import type { Queryable } from "./queryable.js";

/** Parses `'{0.1,0.2}'` (real[]) or `'[0.1,0.2]'` (vector) as PostgreSQL prints them. */
export function parseEmbeddingText(text: string): Float32Array {
  const inner = text.trim().slice(1, -1);
  return inner === "" ? new Float32Array(0) : Float32Array.from(inner.split(","), Number);
}

/**
 * Embeddings already stored for these contents by the same model, in the same workspace (a job
 * never reads another workspace's rows). Embedding the same text with the same model gives the
 * same vector, so re-processing an unchanged document costs no embedding work.
 */
export async function findStoredEmbeddings(
  db: Queryable,
  lookup: { workspaceId: string; model: string; dimension: number; contentHashes: readonly string[] },
): Promise<Map<string, Float32Array>> {
  if (lookup.contentHashes.length === 0) return new Map();
  const result = await db.query<{ content_hash: string; embedding: string }>(
    `SELECT DISTINCT ON (c.content_hash) c.content_hash, c.embedding::text AS embedding
       FROM chunks c JOIN documents d ON d.id = c.document_id
      WHERE c.content_hash = ANY($1::text[]) AND c.embedding_model = $2 AND d.workspace_id = $3`,
    [lookup.contentHashes, lookup.model, lookup.workspaceId],
  );
  const found = new Map<string, Float32Array>();
  for (const row of result.rows) {
    const vector = parseEmbeddingText(row.embedding);
    if (vector.length === lookup.dimension) found.set(row.content_hash, vector);
  }
  return found;
}
