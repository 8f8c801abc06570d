import type { Config } from "../config/config.js";
import type { Logger } from "../logging/logger.js";
import type { Embedder } from "./embedder.js";
import { createHashEmbedder } from "./hash-embedder.js";
import { createOpenAiEmbedder } from "./openai-embedder.js";
import { SharedSemaphore } from "./shared-semaphore.js";

export type EmbedderConfig = Pick<Config, "embeddingProvider" | "embeddingDim" | "embedding">;

/**
 * The configured embedder; called once per thread, where the model (if any) is loaded.
 * `semaphore` is the process-wide limit on concurrent embedding requests, shared by every thread.
 */
export async function createEmbedder(
  config: EmbedderConfig,
  semaphore: SharedArrayBuffer,
  logger?: Logger,
): Promise<Embedder> {
  const settings = config.embedding;
  switch (config.embeddingProvider) {
    case "hash":
      return createHashEmbedder(config.embeddingDim);
    case "onnx": {
      // Loaded only where used: onnxruntime's native add-on is heavy and needless for other providers.
      const { createOnnxEmbedder } = await import("./onnx-embedder.js");
      return createOnnxEmbedder({
        modelDir: settings.model ?? "",
        intraOpThreads: settings.intraOpThreads,
        normalize: settings.normalize,
        ...(settings.pooling ? { pooling: settings.pooling } : {}),
        ...(settings.maxLength ? { maxLength: settings.maxLength } : {}),
      });
    }
    case "openai":
      return createOpenAiEmbedder({
        url: settings.url ?? "",
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        model: settings.model ?? "",
        dimension: config.embeddingDim,
        timeoutMs: settings.timeoutMs,
        maxRetries: settings.maxRetries,
        semaphore: new SharedSemaphore(semaphore),
        onRetry: (retry) => logger?.warn({ ...retry }, "embedding request failed; retrying"),
      });
  }
}
