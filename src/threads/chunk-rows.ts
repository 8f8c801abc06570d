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
 * prompt-injection keys. rag-corp's tables get the keys rag-corp writes (its filter reads them),
 * plus `ocr`/`ocr_confidence` on text OCR read, serialised as Python's json.dumps writes them
 * (`1.0`, not `1`: jsonb keeps the written scale); ragworker's own schema also keeps where the chunk
 * came from (page, headings, `ocr`/`ocrConfidence`) and which model embedded it.
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
        ? { ...injection, ...ragCorpOcrMetadata(chunk) }
        : {
            ...chunk.metadata,
            embedding_model: embedder.model,
            embedding_dim: embedder.dimension,
            ...injection,
          },
      embedding: vectorByHash.get(hash) ?? new Float32Array(embedder.dimension),
      contentHash: hash,
      embeddingModel: embedder.model,
      ...(ragCorp
        ? { metadataJson: ragCorpMetadataJson(promptInjectionMetadataJson(injection), chunk) }
        : {}),
    };
  });
}

/** OCR'd text in rag-corp's tables, in its snake_case: `ocr` and `ocr_confidence` (0 to 1). */
function ragCorpOcrMetadata(chunk: DocumentChunk): { ocr?: true; ocr_confidence?: number } {
  const { ocr, ocrConfidence } = chunk.metadata;
  return ocr === true && ocrConfidence !== undefined ? { ocr, ocr_confidence: ocrConfidence } : {};
}

/** The injection keys as json.dumps writes them, then the OCR keys the same way (a float keeps its `.0`). */
function ragCorpMetadataJson(injectionJson: string, chunk: DocumentChunk): string {
  const { ocr_confidence: confidence } = ragCorpOcrMetadata(chunk);
  if (confidence === undefined) return injectionJson;
  const python = Number.isInteger(confidence) ? confidence.toFixed(1) : String(confidence);
  const keys = `"ocr": true, "ocr_confidence": ${python}`;
  return injectionJson === "{}" ? `{${keys}}` : `${injectionJson.slice(0, -1)}, ${keys}}`;
}
