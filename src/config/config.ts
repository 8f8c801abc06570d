import { ACCESS_SETTINGS } from "./access-settings.js";
import type { ApiKeyEntry } from "./api-keys.js";
import { readChunking, type ChunkUnit, type NodeSettings, NODE_SETTINGS } from "./chunk-settings.js";
import { CONVERSION_SETTINGS } from "./conversion-settings.js";
import { checkCrossFieldRules } from "./cross-field-rules.js";
import {
  EMBEDDING_SETTINGS,
  readEmbeddingSettings,
  type EmbeddingProvider,
  type EmbeddingSettings,
} from "./embedding-settings.js";
import { DEPENDENCY_SETTINGS } from "./dependency-settings.js";
import { FAIRNESS_SETTINGS, type FairnessSettings } from "./fairness-settings.js";
import { JOB_SETTINGS } from "./job-settings.js";
import { LIMIT_SETTINGS } from "./limit-settings.js";
import { OCR_SETTINGS, type OcrSettings } from "./ocr-settings.js";
import { assertProductionReady } from "./production-guard.js";
import type { RbacConfig } from "./rbac-config.js";
import { RECONCILE_SETTINGS } from "./reconcile-settings.js";
import { readS3Settings, type S3Settings } from "./s3-settings.js";
import { SERVICE_SETTINGS } from "./service-settings.js";
import { readGroup, type Env } from "./setting.js";
import { STORAGE_URL } from "./storage-settings.js";
import { TELEMETRY_SETTINGS, type TelemetrySettings } from "./telemetry-settings.js";

export type { ChunkUnit, NodeSettings } from "./chunk-settings.js";
export {
  EMBEDDING_CACHE_BACKENDS,
  EMBEDDING_PROVIDERS,
  type EmbeddingCacheBackend,
  type EmbeddingProvider,
  type EmbeddingSettings,
} from "./embedding-settings.js";
export type { GoogleEmbeddingSettings } from "./google-settings.js";
export type { S3Settings } from "./s3-settings.js";
export { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "./service-settings.js";
export type { Env } from "./setting.js";

/** Everything the worker reads from its environment, validated once, passed to threads as is. */
export interface Config {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly queueName: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly threads: number;
  readonly dbPoolMin: number;
  readonly dbPoolMax: number;
  readonly storageUrl: string;
  /** How `s3://` storage reaches its server; unused with `file://`. */
  readonly s3: S3Settings;
  readonly embeddingProvider: EmbeddingProvider;
  readonly embeddingDim: number;
  readonly embeddingBatchSize: number;
  readonly embedding: EmbeddingSettings;
  readonly metricsRequireAuth: boolean;
  readonly apiKeys: readonly ApiKeyEntry[];
  /** RBAC_CONFIG: /metrics also opens to keys whose role grants admin:metrics; null when unset. */
  readonly rbac: RbacConfig | null;
  readonly drainTimeoutMs: number;
  /** A pino level name; LOG_LEVEL takes rag-corp's (Python's) names too, in any case. */
  readonly logLevel: string;
  /** LOG_JSON: JSON lines (true) or rag-corp's plain `LEVEL message` lines. */
  readonly logJson: boolean;
  /**
   * What chunkSize and chunkOverlap count: `characters` (Unicode code points, rag-corp's
   * CHUNK_SIZE/CHUNK_OVERLAP and its chunker) or `tokens` (CHUNK_TOKENS/CHUNK_OVERLAP_TOKENS, the
   * structure-aware token chunker).
   */
  readonly chunkUnit: ChunkUnit;
  /** Longest chunk in chunkUnit (a merged last chunk may exceed it, as in rag-corp). */
  readonly chunkSize: number;
  /** chunkUnit of a chunk's end repeated at the start of the next; less than chunkSize. */
  readonly chunkOverlap: number;
  /** rag-corp's 2-tier retrieval: nodes (groups of chunks) written beside the chunks. */
  readonly nodes: NodeSettings;
  /** SET statement_timeout on every connection (rag-corp's DB_STATEMENT_TIMEOUT_MS); 0 = none. */
  readonly dbStatementTimeoutMs: number;
  readonly maxChunks: number;
  readonly maxFileBytes: number;
  /** More PDF pages, slides or sheets than this fails the document for good. */
  readonly maxPages: number;
  /** Office files (zip archives) inflating to more than this are refused as decompression bombs. */
  readonly maxArchiveUncompressedBytes: number;
  /** Office files with an entry inflating more than this many times its compressed size: a bomb. */
  readonly maxArchiveCompressionRatio: number;
  /** OCR of scans and images: OCR_ENABLED, OCR_LANGUAGES, OCR_MAX_PAGES, OCR_PAGE_TIMEOUT_MS, OCR_DPI, OCR_MAX_IMAGE_PIXELS. */
  readonly ocr: OcrSettings;
  /** LIBREOFFICE_TIMEOUT_MS: one LibreOffice conversion (.xls, .ppt, .rtf) killed past this. */
  readonly libreofficeTimeoutMs: number;
  /** Characters of text extracted from one document, at most; more fails it for good. */
  readonly maxExtractedChars: number;
  /** Time a thread may spend on one document before it is asked to stop, then terminated. */
  readonly documentTimeoutMs: number;
  /** After the time limit, how long a thread gets to stop at its next checkpoint before termination. */
  readonly documentTimeoutGraceMs: number;
  readonly jobAttempts: number;
  readonly claimTtlMs: number;
  /** How often the supervisor looks for its running documents cancelled or deleted by the API. */
  readonly cancelCheckIntervalMs: number;
  /** First and longest wait between probes of a dependency found down (DEPENDENCY_PROBE_*). */
  readonly dependencyProbeMinMs: number;
  readonly dependencyProbeMaxMs: number;
  /** BullMQ lock duration; a dead worker's jobs are picked up again after about this long. */
  readonly jobLockMs: number;
  /** Jobs fetched ahead of the threads: BullMQ concurrency is threads + this. */
  readonly workerPrefetch: number;
  /** Heap limit of each thread: a file that exhausts it kills that thread only, not the process. */
  readonly threadMaxHeapMb: number;
  /** Nice steps the pool threads run below the supervisor (Linux); 0 leaves them as they are. */
  readonly threadNice: number;
  /** How often the reconciler looks for documents to enqueue again; 0 = never. */
  readonly reconcileIntervalMs: number;
  /** A PENDING document unchanged this long with no live job is enqueued again. */
  readonly reconcilePendingAgeMs: number;
  /** Documents the reconciler looks at per kind and pass. */
  readonly reconcileBatchSize: number;
  /** OpenTelemetry's OTEL_* variables ragworker reads: tracing is on when an endpoint is set. */
  readonly telemetry: TelemetrySettings;
  /** QUEUE_FAIRNESS and its siblings: how every producer in this process enqueues. */
  readonly fairness: FairnessSettings;
}

/**
 * The Config the environment describes: every variable read through its declaration (the tables
 * in *-settings.ts), then the combinations that cannot work refused (cross-field-rules.ts).
 */
export function loadConfig(env: Env = process.env): Config {
  assertProductionReady(env);
  const config: Config = {
    ...readGroup(env, SERVICE_SETTINGS),
    storageUrl: STORAGE_URL.read(env),
    s3: readS3Settings(env),
    ...readGroup(env, EMBEDDING_SETTINGS),
    embedding: readEmbeddingSettings(env),
    ...readGroup(env, ACCESS_SETTINGS),
    ...readChunking(env),
    nodes: readGroup(env, NODE_SETTINGS),
    ...readGroup(env, LIMIT_SETTINGS),
    ocr: readGroup(env, OCR_SETTINGS),
    ...readGroup(env, CONVERSION_SETTINGS),
    ...readGroup(env, JOB_SETTINGS),
    ...readGroup(env, DEPENDENCY_SETTINGS),
    ...readGroup(env, RECONCILE_SETTINGS),
    telemetry: readGroup(env, TELEMETRY_SETTINGS),
    fairness: readGroup(env, FAIRNESS_SETTINGS),
  };
  checkCrossFieldRules(config);
  return config;
}

let defaults: Config | undefined;

/** The Config of an empty environment: every declared default, parsed. */
export function defaultConfig(): Config {
  defaults ??= loadConfig({});
  return defaults;
}
