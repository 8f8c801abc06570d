import type { Config } from "./config.js";

/**
 * The Config fields a pool thread reads: its logger and priority (thread-entry.ts), its database
 * pool (db/pg-pool.ts), its storage (storage/create-storage.ts), its embedder
 * (embed/create-embedder.ts; the embedding cache's Redis included) and the document pipeline
 * (threads/process-document.ts). Nothing of the supervisor's own: queue, ops server, metrics keys,
 * drain and lock timings, pool size.
 */
export const THREAD_SETTING_KEYS = [
  "logLevel",
  "logJson",
  "threadNice",
  "databaseUrl",
  "dbPoolMin",
  "dbPoolMax",
  "dbStatementTimeoutMs",
  "storageUrl",
  "s3",
  "redisUrl",
  "embeddingProvider",
  "embeddingDim",
  "embeddingBatchSize",
  "embedding",
  "chunkUnit",
  "chunkSize",
  "chunkOverlap",
  "nodes",
  "maxChunks",
  "maxFileBytes",
  "maxPages",
  "maxArchiveUncompressedBytes",
  "maxArchiveCompressionRatio",
  "maxExtractedChars",
  "ocr",
  "libreofficeTimeoutMs",
  "documentTimeoutMs",
  "claimTtlMs",
  "telemetry",
] as const satisfies readonly (keyof Config)[];

export type ThreadSettings = Pick<Config, (typeof THREAD_SETTING_KEYS)[number]>;

/** The part of `config` a thread is given: what it reads, and no more (no API keys, no RBAC). */
export function threadSettings(config: Config): ThreadSettings {
  return Object.fromEntries(THREAD_SETTING_KEYS.map((key) => [key, config[key]])) as ThreadSettings;
}
