import type { Queryable } from "../queryable.js";
import { parseEmbeddingText } from "../stored-embeddings.js";

/**
 * findStoredEmbeddings for rag-corp's tables: chunk contents are keyed in ragworker_chunk_keys,
 * since rag-corp's chunks have no hash column; a key whose chunk is gone finds nothing.
 */
export async function findRagCorpStoredEmbeddings(
  db: Queryable,
  lookup: { workspaceId: string; model: string; dimension: number; contentHashes: readonly string[] },
): Promise<Map<string, Float32Array>> {
  if (lookup.contentHashes.length === 0) return new Map();
  const result = await db.query<{ content_hash: string; embedding: string }>(
    `SELECT h.content_hash, e.embedding::text AS embedding
       FROM unnest($1::text[]) AS h(content_hash)
      CROSS JOIN LATERAL (
            SELECT c.embedding FROM ragworker_chunk_keys k
              JOIN chunks c ON c.id = k.chunk_id
              JOIN documents d ON d.id = c.document_id
             WHERE k.content_hash = h.content_hash AND k.embedding_model = $2 AND d.workspace_id = $3
             LIMIT 1) e`,
    [[...new Set(lookup.contentHashes)], lookup.model, lookup.workspaceId],
  );
  const found = new Map<string, Float32Array>();
  for (const row of result.rows) {
    const vector = parseEmbeddingText(row.embedding);
    if (vector.length === lookup.dimension) found.set(row.content_hash, vector);
  }
  return found;
}
