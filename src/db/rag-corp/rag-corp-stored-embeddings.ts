import type { Queryable } from "../queryable.js";
import { probeStoredEmbeddings, type EmbeddingLookup } from "../stored-embeddings.js";

/**
 * findStoredEmbeddings for rag-corp's tables: chunk contents are keyed in ragworker_chunk_keys,
 * since rag-corp's chunks have no hash column; a key whose chunk is gone finds nothing.
 */
export async function findRagCorpStoredEmbeddings(
  db: Queryable,
  lookup: EmbeddingLookup,
): Promise<Map<string, Float32Array>> {
  return probeStoredEmbeddings(
    db,
    lookup,
    `SELECT c.embedding FROM ragworker_chunk_keys k
       JOIN chunks c ON c.id = k.chunk_id
       JOIN documents d ON d.id = c.document_id
      WHERE k.content_hash = h.content_hash AND k.embedding_model = $2 AND d.workspace_id = $3
      LIMIT 1`,
  );
}
