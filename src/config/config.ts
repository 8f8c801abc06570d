import { availableParallelism } from "node:os";
import { z } from "zod";
import { maxMergedChunkLength } from "../chunk/split-text.js";
import { ConfigError } from "./config-error.js";
import { LOG_LEVEL_NAMES, pinoLevelOf } from "../logging/logger.js";
import { embeddingsEndpoint } from "../embed/openai-embedder.js";
import { storagePathFromUrl } from "../storage/create-storage.js";
import { parseS3Url } from "../storage/s3-location.js";
import { parseApiKeys, type ApiKeyEntry } from "./api-keys.js";
import { assertProductionReady } from "./production-guard.js";
import { parseRbacConfig, type RbacConfig } from "./rbac-config.js";

// `fake` and `google` are rag-corp's two providers, in its embedding space (see the README).
export const EMBEDDING_PROVIDERS = ["hash", "onnx", "openai", "fake", "google"] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

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
  /** Characters of text extracted from one document, at most; more fails it for good. */
  readonly maxExtractedChars: number;
  /** Time a thread may spend on one document before it is asked to stop, then terminated. */
  readonly documentTimeoutMs: number;
  /** After the time limit, how long a thread gets to stop at its next checkpoint before termination. */
  readonly documentTimeoutGraceMs: number;
  readonly jobAttempts: number;
  readonly claimTtlMs: number;
  /** BullMQ lock duration; a dead worker's jobs are picked up again after about this long. */
  readonly jobLockMs: number;
  /** Heap limit of each thread: a file that exhausts it kills that thread only, not the process. */
  readonly threadMaxHeapMb: number;
  /** Nice steps the pool threads run below the supervisor (Linux); 0 leaves them as they are. */
  readonly threadNice: number;
}

export type ChunkUnit = "characters" | "tokens";

export interface NodeSettings {
  readonly enabled: boolean;
  readonly groupSize: number;
  readonly textMaxChars: number;
}

export const EMBEDDING_CACHE_BACKENDS = ["auto", "memory", "redis", "off"] as const;
export type EmbeddingCacheBackend = (typeof EMBEDDING_CACHE_BACKENDS)[number];

/** rag-corp's Google provider (Gemini `text-embedding-004`) and its retry policy. */
export interface GoogleEmbeddingSettings {
  readonly apiKey: string | null;
  /** The API's base URL; only tests (a local stand-in) and proxies change it. */
  readonly baseUrl: string;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Provider-specific embedding settings; which ones matter depends on EMBEDDING_PROVIDER. */
export interface EmbeddingSettings {
  /** onnx: the model directory; openai: the model name sent to the service. */
  readonly model: string | null;
  readonly pooling: "mean" | "cls" | null;
  readonly normalize: boolean;
  readonly intraOpThreads: number;
  readonly maxLength: number | null;
  readonly url: string | null;
  readonly apiKey: string | null;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxConcurrency: number;
  /** onnx: fetch EMBEDDING_MODEL from the hub when it is a model id, not a directory. */
  readonly allowDownload: boolean;
  readonly cacheDir: string;
  readonly hubEndpoint: string;
  readonly google: GoogleEmbeddingSettings;
  /** rag-corp's embedding cache (`rag:embedding:<sha256>` in Redis, or in memory). */
  readonly cacheBackend: EmbeddingCacheBackend;
}

/** S3-compatible object storage; credentials come from the AWS SDK's standard chain, not from here. */
export interface S3Settings {
  /** MinIO, Ceph, R2…: their base URL; null for AWS S3 itself. */
  readonly endpoint: string | null;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** rag-corp's S3_ACCESS_KEY/S3_SECRET_KEY; null: the AWS SDK's credential chain. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | null;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_DATABASE_URL = "postgres://ragworker:ragworker@127.0.0.1:5432/ragworker";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const logLevel: z.ZodType<string> = z
  .string()
  .refine((name) => pinoLevelOf(name) !== undefined)
  .transform((name) => pinoLevelOf(name) ?? name);

/**
 * Reads one variable through a schema; on failure names the variable and what it wanted,
 * so a typo in a deployment is one obvious line rather than a stack trace.
 */
function read<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: string, expected: string): T {
  const raw = env[name];
  const value = raw === undefined || raw.trim() === "" ? fallback : raw.trim();
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigError(name, expected, raw);
  return parsed.data;
}

function urlWithScheme(schemes: readonly string[]): z.ZodType<string> {
  return z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  });
}

const storageUrl: z.ZodType<string> = z.string().refine((value) => {
  try {
    if (value.startsWith("s3://")) parseS3Url(value);
    else storagePathFromUrl(value);
    return true;
  } catch {
    return false;
  }
});

const intIn = (min: number, max: number): z.ZodType<number> => z.coerce.number().int().min(min).max(max);
// The spellings pydantic accepts, which rag-corp's settings use: a rag-corp .env works unchanged.
const TRUE_WORDS = ["1", "true", "t", "yes", "y", "on"];
const FALSE_WORDS = ["0", "false", "f", "no", "n", "off"];
const flag: z.ZodType<boolean> = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum([...TRUE_WORDS, ...FALSE_WORDS] as [string, ...string[]]))
  .transform((value) => TRUE_WORDS.includes(value));
const FLAG_EXPECTED = "a boolean (1/0, true/false, yes/no, on/off)";

export function loadConfig(env: Env = process.env): Config {
  assertProductionReady(env);
  const dbPoolMin = read(env, "DB_POOL_MIN_SIZE", intIn(0, 100), "1", "an integer from 0 to 100");
  const dbPoolMax = read(env, "DB_POOL_MAX_SIZE", intIn(1, 100), "4", "an integer from 1 to 100");
  if (dbPoolMax < dbPoolMin) {
    throw new ConfigError("DB_POOL_MAX_SIZE", `at least DB_POOL_MIN_SIZE (${dbPoolMin})`, String(dbPoolMax));
  }
  const { chunkUnit, chunkSize, chunkOverlap } = readChunking(env);
  const embeddingProvider = read(
    env,
    "EMBEDDING_PROVIDER",
    z.enum(EMBEDDING_PROVIDERS),
    defaultEmbeddingProvider(env),
    `one of ${EMBEDDING_PROVIDERS.join(", ")}`,
  );
  const embedding = readEmbeddingSettings(env, embeddingProvider);
  // A chunk longer than the model's input is truncated when embedded: its end would not be found.
  if (
    chunkUnit === "tokens" &&
    embedding.maxLength !== null &&
    maxMergedChunkLength(chunkSize) >= embedding.maxLength
  ) {
    throw new ConfigError(
      "CHUNK_TOKENS",
      `tokens such that CHUNK_TOKENS + 25% (a merged last chunk) stays below EMBEDDING_MAX_LENGTH (${embedding.maxLength})`,
      String(chunkSize),
    );
  }
  return {
    embedding,
    redisUrl: read(
      env,
      "REDIS_URL",
      urlWithScheme(["redis:", "rediss:"]),
      DEFAULT_REDIS_URL,
      "a redis:// or rediss:// URL",
    ),
    databaseUrl: read(
      env,
      "DATABASE_URL",
      urlWithScheme(["postgres:", "postgresql:"]),
      DEFAULT_DATABASE_URL,
      "a postgres:// URL",
    ),
    queueName: read(
      env,
      "DOCUMENT_QUEUE_NAME",
      z.string().regex(/^[\w.-]{1,100}$/),
      "documents",
      "a queue name of letters, digits, '.', '_' or '-'",
    ),
    httpHost: read(env, "WORKER_HTTP_HOST", z.string().min(1), "0.0.0.0", "a host name or address"),
    httpPort: read(env, "WORKER_HTTP_PORT", intIn(0, 65535), "8001", "a port from 0 to 65535"),
    threads: read(
      env,
      "WORKER_THREADS",
      intIn(1, 256),
      String(availableParallelism()),
      "an integer from 1 to 256",
    ),
    dbPoolMin,
    dbPoolMax,
    storageUrl: read(
      env,
      "STORAGE_URL",
      storageUrl,
      defaultStorageUrl(env),
      "a file:///absolute/dir, file://./relative/dir or s3://bucket[/prefix] URL",
    ),
    s3: readS3Settings(env),
    embeddingProvider,
    embeddingDim: read(env, "EMBEDDING_DIM", intIn(1, 16_000), "768", "an integer from 1 to 16000"),
    embeddingBatchSize: read(env, "EMBEDDING_BATCH_SIZE", intIn(1, 4096), "32", "an integer from 1 to 4096"),
    metricsRequireAuth: read(env, "METRICS_REQUIRE_AUTH", flag, "0", FLAG_EXPECTED),
    apiKeys: parseApiKeys(env["API_KEYS_CONFIG"]),
    rbac: parseRbacConfig(env["RBAC_CONFIG"]),
    drainTimeoutMs: read(
      env,
      "DRAIN_TIMEOUT_MS",
      intIn(0, 3_600_000),
      "25000",
      "milliseconds from 0 to 3600000",
    ),
    logLevel: read(env, "LOG_LEVEL", logLevel, "INFO", LOG_LEVEL_NAMES),
    logJson: read(env, "LOG_JSON", flag, "true", FLAG_EXPECTED),
    chunkUnit,
    chunkSize,
    chunkOverlap,
    nodes: {
      enabled: read(env, "ENABLE_2TIER_RETRIEVAL", flag, "0", FLAG_EXPECTED),
      groupSize: read(env, "NODE_GROUP_SIZE", intIn(1, 10_000), "5", "an integer from 1 to 10000"),
      textMaxChars: read(
        env,
        "NODE_TEXT_MAX_CHARS",
        intIn(1, 1_000_000),
        "2000",
        "an integer from 1 to 1000000",
      ),
    },
    dbStatementTimeoutMs: read(
      env,
      "DB_STATEMENT_TIMEOUT_MS",
      intIn(0, 86_400_000),
      "30000",
      "milliseconds from 0 (none) to 86400000",
    ),
    maxChunks: read(env, "MAX_CHUNKS", intIn(1, 1_000_000), "2000", "an integer from 1 to 1000000"),
    maxFileBytes: read(env, "MAX_FILE_BYTES", intIn(1, 2 ** 31), String(50 * 1024 * 1024), "a byte count"),
    maxPages: read(env, "MAX_PAGES", intIn(1, 1_000_000), "2000", "an integer from 1 to 1000000"),
    maxArchiveUncompressedBytes: read(
      env,
      "MAX_ARCHIVE_UNCOMPRESSED_BYTES",
      intIn(1, 2 ** 40),
      String(256 * 1024 * 1024),
      "a byte count",
    ),
    maxArchiveCompressionRatio: read(
      env,
      "MAX_ARCHIVE_COMPRESSION_RATIO",
      intIn(2, 1_000_000),
      "200",
      "an integer from 2 to 1000000",
    ),
    maxExtractedChars: read(
      env,
      "MAX_EXTRACTED_CHARS",
      intIn(1, 500_000_000),
      "5000000",
      "a character count from 1 to 500000000",
    ),
    documentTimeoutMs: read(
      env,
      "DOCUMENT_TIMEOUT_MS",
      intIn(10, 86_400_000),
      "300000",
      "milliseconds from 10 to 86400000",
    ),
    documentTimeoutGraceMs: read(
      env,
      "DOCUMENT_TIMEOUT_GRACE_MS",
      intIn(0, 600_000),
      "5000",
      "milliseconds from 0 to 600000",
    ),
    jobAttempts: read(env, "JOB_ATTEMPTS", intIn(1, 100), "5", "an integer from 1 to 100"),
    threadMaxHeapMb: read(env, "THREAD_MAX_HEAP_MB", intIn(32, 65_536), "2048", "megabytes from 32 to 65536"),
    threadNice: read(env, "THREAD_NICE", intIn(0, 19), "10", "an integer from 0 to 19"),
    jobLockMs: read(env, "JOB_LOCK_MS", intIn(1000, 3_600_000), "30000", "milliseconds from 1000 to 3600000"),
    claimTtlMs: read(
      env,
      "CLAIM_TTL_MS",
      intIn(1000, 86_400_000),
      "600000",
      "milliseconds from 1000 to 86400000",
    ),
  };
}

/**
 * rag-corp turns storage on when S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY are all set; then
 * the bucket is the default STORAGE_URL (its keys, `documents/<id>/<name>`, are used as they are).
 */
function defaultStorageUrl(env: Env): string {
  const bucket = optional(env, "S3_BUCKET");
  if (bucket !== null && optional(env, "S3_ACCESS_KEY") !== null && optional(env, "S3_SECRET_KEY") !== null) {
    return `s3://${bucket}`;
  }
  return "file://./data/uploads";
}

/**
 * CHUNK_SIZE/CHUNK_OVERLAP keep rag-corp's meaning (code points, 900/120, its chunker); setting
 * CHUNK_TOKENS switches to the token chunker, whose sizes count the embedder's tokens.
 */
function readChunking(env: Env): { chunkUnit: ChunkUnit; chunkSize: number; chunkOverlap: number } {
  if (optional(env, "CHUNK_TOKENS") !== null) {
    const chunkSize = read(env, "CHUNK_TOKENS", intIn(8, 100_000), "200", "tokens from 8 to 100000");
    const chunkOverlap = read(
      env,
      "CHUNK_OVERLAP_TOKENS",
      intIn(0, 100_000).refine((overlap) => overlap < chunkSize),
      String(Math.min(30, chunkSize - 1)),
      `tokens from 0 to less than CHUNK_TOKENS (${chunkSize})`,
    );
    return { chunkUnit: "tokens", chunkSize, chunkOverlap };
  }
  const chunkSize = read(env, "CHUNK_SIZE", intIn(1, 10_000_000), "900", "characters from 1 to 10000000");
  const chunkOverlap = read(
    env,
    "CHUNK_OVERLAP",
    intIn(0, 10_000_000).refine((overlap) => overlap < chunkSize),
    String(Math.min(120, chunkSize - 1)),
    `characters from 0 to less than CHUNK_SIZE (${chunkSize})`,
  );
  return { chunkUnit: "characters", chunkSize, chunkOverlap };
}

/**
 * Without EMBEDDING_PROVIDER, rag-corp's own selection applies: FAKE_EMBEDDINGS=true picks its
 * fake provider, a GOOGLE_API_KEY its Google one; otherwise the model-free `hash`.
 */
function defaultEmbeddingProvider(env: Env): EmbeddingProvider {
  if (read(env, "FAKE_EMBEDDINGS", flag, "0", FLAG_EXPECTED)) return "fake";
  if (optional(env, "GOOGLE_API_KEY") !== null) return "google";
  return "hash";
}

const optional = (env: Env, name: string): string | null => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? null : value;
};

/** An http(s) URL without user or password: a secret in a URL ends up in logs and error messages. */
const urlWithoutCredentials = urlWithScheme(["http:", "https:"]).refine((value) => {
  const url = new URL(value);
  return url.username === "" && url.password === "";
});

function readS3Settings(env: Env): S3Settings {
  // rag-corp's name for the same thing; ragworker's own wins when both are set.
  const endpointVariable = optional(env, "S3_ENDPOINT") === null ? "S3_ENDPOINT_URL" : "S3_ENDPOINT";
  const endpoint = optional(env, endpointVariable);
  const accessKeyId = optional(env, "S3_ACCESS_KEY");
  const secretAccessKey = optional(env, "S3_SECRET_KEY");
  return {
    endpoint:
      endpoint === null
        ? null
        : read(
            env,
            endpointVariable,
            urlWithoutCredentials,
            endpoint,
            "an http(s) URL without credentials (the AWS credential chain supplies them)",
          ),
    // The SDK's own variable is the natural fallback; us-east-1 is what S3-compatible servers expect.
    region: read(
      env,
      "S3_REGION",
      z.string().regex(/^[a-z0-9-]{1,64}$/),
      optional(env, "AWS_REGION") ?? "us-east-1",
      "a region name such as us-east-1 (R2: auto)",
    ),
    // S3-compatible servers behind rag-corp's S3_ENDPOINT_URL (MinIO) want path-style addressing.
    forcePathStyle: read(
      env,
      "S3_FORCE_PATH_STYLE",
      flag,
      endpointVariable === "S3_ENDPOINT_URL" && endpoint !== null ? "1" : "0",
      FLAG_EXPECTED,
    ),
    credentials: accessKeyId !== null && secretAccessKey !== null ? { accessKeyId, secretAccessKey } : null,
  };
}

function readEmbeddingSettings(env: Env, provider: EmbeddingProvider): EmbeddingSettings {
  const model = optional(env, "EMBEDDING_MODEL");
  const url = optional(env, "EMBEDDING_URL");
  if (provider === "onnx" && !model) {
    throw new ConfigError(
      "EMBEDDING_MODEL",
      "the local model directory when EMBEDDING_PROVIDER=onnx",
      undefined,
    );
  }
  if (provider === "openai" && !model) {
    throw new ConfigError("EMBEDDING_MODEL", "the model name when EMBEDDING_PROVIDER=openai", undefined);
  }
  if (provider === "openai" && !url) {
    throw new ConfigError(
      "EMBEDDING_URL",
      "the service's base URL when EMBEDDING_PROVIDER=openai",
      undefined,
    );
  }
  const maxLength = optional(env, "EMBEDDING_MAX_LENGTH");
  const pooling = optional(env, "EMBEDDING_POOLING");
  return {
    model,
    pooling:
      pooling === null
        ? null
        : read(env, "EMBEDDING_POOLING", z.enum(["mean", "cls"]), pooling, "mean or cls"),
    normalize: read(env, "EMBEDDING_NORMALIZE", flag, "1", FLAG_EXPECTED),
    intraOpThreads: read(env, "EMBEDDING_INTRA_OP_THREADS", intIn(1, 256), "1", "an integer from 1 to 256"),
    maxLength:
      maxLength === null
        ? null
        : read(env, "EMBEDDING_MAX_LENGTH", intIn(1, 100_000), maxLength, "an integer from 1 to 100000"),
    url:
      url === null
        ? null
        : read(
            env,
            "EMBEDDING_URL",
            // The embedder's own URL rules (no credentials in the URL: fetch would echo them).
            urlWithScheme(["http:", "https:"]).refine((value) => {
              try {
                embeddingsEndpoint(value);
                return true;
              } catch {
                return false;
              }
            }),
            url,
            "an http(s) URL without credentials (put the key in EMBEDDING_API_KEY)",
          ),
    apiKey: optional(env, "EMBEDDING_API_KEY"),
    timeoutMs: read(
      env,
      "EMBEDDING_TIMEOUT_MS",
      intIn(100, 600_000),
      "30000",
      "milliseconds from 100 to 600000",
    ),
    maxRetries: read(env, "EMBEDDING_MAX_RETRIES", intIn(0, 20), "4", "an integer from 0 to 20"),
    allowDownload: read(env, "EMBEDDING_ALLOW_DOWNLOAD", flag, "0", FLAG_EXPECTED),
    cacheDir: read(env, "EMBEDDING_CACHE_DIR", z.string().min(1), "./data/models", "a directory"),
    hubEndpoint: read(
      env,
      "HF_ENDPOINT",
      urlWithScheme(["http:", "https:"]),
      "https://huggingface.co",
      "an http(s) URL",
    ),
    maxConcurrency: read(env, "EMBEDDING_MAX_CONCURRENCY", intIn(1, 1000), "4", "an integer from 1 to 1000"),
    google: readGoogleSettings(env, provider),
    cacheBackend: read(
      env,
      "EMBEDDING_CACHE_BACKEND",
      z
        .string()
        .transform((value) => value.toLowerCase())
        .pipe(z.enum(EMBEDDING_CACHE_BACKENDS)),
      // rag-corp caches its two providers' vectors; for the local ones a lookup costs more than it saves.
      provider === "fake" || provider === "google" ? "auto" : "off",
      `one of ${EMBEDDING_CACHE_BACKENDS.join(", ")}`,
    ),
  };
}

const seconds = (min: number, max: number): z.ZodType<number> =>
  z.coerce
    .number()
    .min(min)
    .max(max)
    .transform((value) => Math.round(value * 1000));

/** rag-corp's names and defaults: RETRY_* are total attempts and seconds. */
function readGoogleSettings(env: Env, provider: EmbeddingProvider): GoogleEmbeddingSettings {
  const apiKey = optional(env, "GOOGLE_API_KEY");
  if (provider === "google" && apiKey === null) {
    throw new ConfigError("GOOGLE_API_KEY", "the Gemini API key when EMBEDDING_PROVIDER=google", undefined);
  }
  return {
    apiKey,
    baseUrl: read(
      env,
      "GOOGLE_EMBEDDING_URL",
      urlWithoutCredentials,
      "https://generativelanguage.googleapis.com",
      "an http(s) URL without credentials",
    ),
    maxAttempts: read(env, "RETRY_MAX_ATTEMPTS", intIn(1, 100), "3", "an integer from 1 to 100"),
    baseDelayMs: read(env, "RETRY_BASE_DELAY_SECONDS", seconds(0, 3600), "1.0", "seconds from 0 to 3600"),
    maxDelayMs: read(env, "RETRY_MAX_DELAY_SECONDS", seconds(0, 3600), "30.0", "seconds from 0 to 3600"),
  };
}
