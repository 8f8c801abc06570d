import type { Config } from "../config/config.js";
import { createRedis } from "../config/redis-connection.js";
import type { Logger } from "../logging/logger.js";
import type { Embedder } from "./embedder.js";
import { CachingEmbedder } from "./embedding-cache.js";
import { openEmbeddingCacheStore } from "./embedding-cache-backend.js";
import { createFakeEmbedder } from "./fake-embedder.js";
import { createGoogleEmbedder } from "./google-embedder.js";
import { createHashEmbedder } from "./hash-embedder.js";
import { createOpenAiEmbedder } from "./openai-embedder.js";
import { SharedSemaphore } from "../protocol/shared-semaphore.js";

export type EmbedderConfig = Pick<
  Config,
  "embeddingProvider" | "embeddingDim" | "embeddingBatchSize" | "embedding" | "redisUrl"
>;

/**
 * The configured embedder; called once per thread, where the model (if any) is loaded.
 * `semaphore` is the process-wide limit on concurrent embedding requests, shared by every thread.
 */
export async function createEmbedder(
  config: EmbedderConfig,
  semaphore: SharedArrayBuffer,
  logger?: Logger,
): Promise<Embedder> {
  const provider = await createProvider(config, semaphore, logger);
  const backend = config.embedding.cacheBackend;
  if (backend === "off") return provider;
  // rag-corp's embedding cache, shared with rag-corp's API and workers through Redis. A cache
  // that cannot answer counts as a miss: it never fails a document.
  const redis =
    backend === "memory"
      ? undefined
      : createRedis(config.redisUrl, {
          lazyConnect: false,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2_000,
          commandTimeout: 2_000,
        });
  redis?.on("error", () => {
    // Each failed cache call is a miss already; the connection error itself says nothing new.
  });
  const store = await openEmbeddingCacheStore({
    backend,
    ...(redis ? { redis } : {}),
    onFallback: (reason) => logger?.warn({ reason }, "embedding cache: using memory instead of Redis"),
  });
  return new CachingEmbedder(provider, store);
}

async function createProvider(
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
        maxBatchSize: config.embeddingBatchSize,
        ...(settings.onnxFile ? { onnxFile: settings.onnxFile } : {}),
        ...(settings.pooling ? { pooling: settings.pooling } : {}),
        ...(settings.maxLength ? { maxLength: settings.maxLength } : {}),
      });
    }
    // Retries are logged at debug: a service that stays down is reported once, by the embedding
    // circuit, not once per retry of every thread.
    case "openai":
      return createOpenAiEmbedder({
        url: settings.url ?? "",
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        model: settings.model ?? "",
        dimension: config.embeddingDim,
        timeoutMs: settings.timeoutMs,
        maxRetries: settings.maxRetries,
        semaphore: new SharedSemaphore(semaphore),
        onRetry: (retry) => logger?.debug({ ...retry }, "embedding request failed; retrying"),
      });
    case "fake":
      return createFakeEmbedder();
    case "google":
      return createGoogleEmbedder({
        apiKey: settings.google.apiKey ?? "",
        baseUrl: settings.google.baseUrl,
        dimension: config.embeddingDim,
        timeoutMs: settings.timeoutMs,
        maxAttempts: settings.google.maxAttempts,
        baseDelayMs: settings.google.baseDelayMs,
        maxDelayMs: settings.google.maxDelayMs,
        semaphore: new SharedSemaphore(semaphore),
        onRetry: (retry) => logger?.debug({ ...retry }, "embedding request failed; retrying"),
      });
  }
}
