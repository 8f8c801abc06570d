import { availableParallelism } from "node:os";
import { z } from "zod";
import { ConfigError } from "./config-error.js";
import { storagePathFromUrl } from "../storage/create-storage.js";
import { parseApiKeys, type ApiKeyEntry } from "./api-keys.js";

export const EMBEDDING_PROVIDERS = ["hash"] as const;
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
  readonly embeddingProvider: EmbeddingProvider;
  readonly embeddingDim: number;
  readonly embeddingBatchSize: number;
  readonly metricsRequireAuth: boolean;
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly drainTimeoutMs: number;
  readonly logLevel: string;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  readonly maxChunks: number;
  readonly maxFileBytes: number;
  readonly jobAttempts: number;
  readonly claimTtlMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_DATABASE_URL = "postgres://ragworker:ragworker@127.0.0.1:5432/ragworker";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

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
    storagePathFromUrl(value);
    return true;
  } catch {
    return false;
  }
});

const intIn = (min: number, max: number): z.ZodType<number> => z.coerce.number().int().min(min).max(max);
const flag: z.ZodType<boolean> = z
  .enum(["0", "1", "true", "false"])
  .transform((v) => v === "1" || v === "true");

export function loadConfig(env: Env = process.env): Config {
  const dbPoolMin = read(env, "DB_POOL_MIN_SIZE", intIn(0, 100), "1", "an integer from 0 to 100");
  const dbPoolMax = read(env, "DB_POOL_MAX_SIZE", intIn(1, 100), "4", "an integer from 1 to 100");
  if (dbPoolMax < dbPoolMin) {
    throw new ConfigError("DB_POOL_MAX_SIZE", `at least DB_POOL_MIN_SIZE (${dbPoolMin})`, String(dbPoolMax));
  }
  const chunkSize = read(env, "CHUNK_SIZE", intIn(50, 100_000), "1000", "an integer from 50 to 100000");
  const chunkOverlap = read(env, "CHUNK_OVERLAP", intIn(0, 50_000), "150", "an integer from 0 to 50000");
  if (chunkOverlap >= chunkSize) {
    throw new ConfigError("CHUNK_OVERLAP", `less than CHUNK_SIZE (${chunkSize})`, String(chunkOverlap));
  }
  return {
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
      "file://./data/uploads",
      "a file:///absolute/dir or file://./relative/dir URL",
    ),
    embeddingProvider: read(
      env,
      "EMBEDDING_PROVIDER",
      z.enum(EMBEDDING_PROVIDERS),
      "hash",
      `one of ${EMBEDDING_PROVIDERS.join(", ")}`,
    ),
    embeddingDim: read(env, "EMBEDDING_DIM", intIn(1, 16_000), "768", "an integer from 1 to 16000"),
    embeddingBatchSize: read(env, "EMBEDDING_BATCH_SIZE", intIn(1, 4096), "32", "an integer from 1 to 4096"),
    metricsRequireAuth: read(env, "METRICS_REQUIRE_AUTH", flag, "0", "0 or 1"),
    apiKeys: parseApiKeys(env["API_KEYS_CONFIG"]),
    drainTimeoutMs: read(
      env,
      "DRAIN_TIMEOUT_MS",
      intIn(0, 3_600_000),
      "25000",
      "milliseconds from 0 to 3600000",
    ),
    logLevel: read(env, "LOG_LEVEL", z.enum(LOG_LEVELS), "info", `one of ${LOG_LEVELS.join(", ")}`),
    chunkSize,
    chunkOverlap,
    maxChunks: read(env, "MAX_CHUNKS", intIn(1, 1_000_000), "2000", "an integer from 1 to 1000000"),
    maxFileBytes: read(env, "MAX_FILE_BYTES", intIn(1, 2 ** 31), String(50 * 1024 * 1024), "a byte count"),
    jobAttempts: read(env, "JOB_ATTEMPTS", intIn(1, 100), "5", "an integer from 1 to 100"),
    claimTtlMs: read(
      env,
      "CLAIM_TTL_MS",
      intIn(1000, 86_400_000),
      "600000",
      "milliseconds from 1000 to 86400000",
    ),
  };
}
