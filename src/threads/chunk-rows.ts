import type { DocumentChunk } from "../chunk/chunk-document.js";
import type { ChunkRow } from "../db/chunk-writer.js";
import type { DatabaseSchema } from "../db/database-schema.js";
import type { Embedder } from "../embed/embedder.js";
import {
  detectPromptInjection,
  promptInjectionMetadata,
  promptInjectionMetadataJson,
} from "../safety/prompt-injection.js";

/**
 * The rows a document's chunks become: content, vector, and metadata with rag-corp's
 * prompt-injection keys. rag-corp's tables get exactly the keys rag-corp writes (its filter reads
 * them), serialised as Python's json.dumps writes them (`1.0`, not `1`: jsonb keeps the written
 * scale); ragworker's own schema also keeps where the chunk came from and which model embedded it.
 */
export function buildChunkRows(
  chunks: readonly DocumentChunk[],
  hashes: readonly string[],
  vectorByHash: ReadonlyMap<string, Float32Array>,
  options: {
    readonly schema: DatabaseSchema;
    readonly embedder: Pick<Embedder, "model" | "dimension">;
    /** Told each prompt-injection pattern a chunk matched, for the metric. */
    readonly onPattern: (pattern: string) => void;
  },
): ChunkRow[] {
  const { embedder } = options;
  const ragCorp = options.schema === "rag-corp";
  return chunks.map((chunk, position) => {
    const detection = detectPromptInjection(chunk.content);
    for (const pattern of detection.patterns) options.onPattern(pattern);
    const injection = promptInjectionMetadata(detection);
    const hash = hashes[position] ?? "";
    return {
      index: chunk.index,
      content: chunk.content,
      metadata: ragCorp
        ? { ...injection }
        : {
            ...chunk.metadata,
            embedding_model: embedder.model,
            embedding_dim: embedder.dimension,
            ...injection,
          },
      embedding: vectorByHash.get(hash) ?? new Float32Array(embedder.dimension),
      contentHash: hash,
      embeddingModel: embedder.model,
      ...(ragCorp ? { metadataJson: promptInjectionMetadataJson(injection) } : {}),
    };
  });
}
