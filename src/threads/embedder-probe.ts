import { maxMergedChunkLength } from "../chunk/split-text.js";
import type { Config } from "../config/config.js";
import type { Embedder } from "../embed/embedder.js";
import { errorReason } from "../errors/error-reason.js";
import { EMBEDDER_PROBE_TEXT, type ThreadReport } from "../protocol/thread-protocol.js";

/**
 * Embeds the probe text with the thread's own embedder and checks its dimension against
 * EMBEDDING_DIM (which the database column was already checked against): the report the thread
 * sends the supervisor at start, with the one line to refuse with when the check fails.
 */
export async function probeEmbedder(
  embedder: Embedder,
  config: Pick<Config, "embeddingProvider" | "embeddingDim" | "chunkUnit" | "chunkSize">,
  threadId: number,
): Promise<ThreadReport> {
  let dimension: number;
  try {
    const [vector] = await embedder.embed([EMBEDDER_PROBE_TEXT]);
    dimension = vector?.length ?? 0;
  } catch (error) {
    return { type: "refused", threadId, reason: embedderFailed(config, error) };
  }
  if (dimension !== config.embeddingDim) {
    return {
      type: "refused",
      threadId,
      reason: `EMBEDDING_DIM is ${config.embeddingDim} but the ${config.embeddingProvider} model ${embedder.model} gives ${dimension} dimensions`,
    };
  }
  return {
    type: "ready",
    threadId,
    provider: config.embeddingProvider,
    model: embedder.model,
    dimension,
    maxInputTokens: embedder.maxInputTokens ?? null,
    // Only token sizes can be held against the model's input; characters are not tokens.
    longestChunkTokens: config.chunkUnit === "tokens" ? maxMergedChunkLength(config.chunkSize) : null,
  };
}

/** The line a thread whose embedder could not load or embed refuses the start with. */
export function embedderFailed(config: Pick<Config, "embeddingProvider">, error: unknown): string {
  return `embedding provider ${config.embeddingProvider} failed its probe: ${errorReason(error)}`;
}
