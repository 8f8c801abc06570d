import { Redis } from "ioredis";
import pg from "pg";
import { maxMergedChunkLength } from "../chunk/split-text.js";
import type { ChunkUnit } from "../config/config.js";
import { maskUrl } from "../config/mask-url.js";
import { detectDatabaseSchema, type DatabaseSchema } from "../db/database-schema.js";
import { readEmbeddingColumn, type EmbeddingColumn } from "../db/embedding-column.js";
import { findMissingColumns } from "../db/schema-requirements.js";
import { createEmbedder, type EmbedderConfig } from "../embed/create-embedder.js";
import type { Embedder } from "../embed/embedder.js";
import type { Logger } from "../logging/logger.js";
import { StartupError } from "../errors/startup-error.js";

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

export async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => {
    // The failure is reported by connect() below; this listener keeps ioredis from printing it too.
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new StartupError(`redis unreachable at ${maskUrl(url)}: ${reason(error)}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

export interface DatabaseCheck {
  readonly column: EmbeddingColumn;
  readonly schema: DatabaseSchema;
}

/**
 * Connects, recognises whose schema the database has, and checks that every column the worker
 * reads or writes is there and that the embedding dimension matches: a worker that would fail
 * every document refuses to start instead, with one line naming what is missing.
 */
export async function checkDatabase(
  url: string,
  embeddingDim: number,
  timeoutMs: number,
  options: { nodes: boolean } = { nodes: false },
): Promise<DatabaseCheck> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on("error", () => {
    // Reported through the awaited calls below.
  });
  try {
    await client.connect();
  } catch (error) {
    throw new StartupError(`postgresql unreachable at ${maskUrl(url)}: ${reason(error)}`, { cause: error });
  }
  try {
    const schema = await detectDatabaseSchema(client);
    const missing = await findMissingColumns(client, schema, options);
    if (missing.length > 0) {
      throw new StartupError(
        `database ${maskUrl(url)} (${schema} schema) lacks ${missing.join(", ")}: run 'ragworker migrate' first` +
          (missing.some((name) => name.startsWith("nodes."))
            ? " (ENABLE_2TIER_RETRIEVAL needs rag-corp's nodes table)"
            : ""),
      );
    }
    const column = await readEmbeddingColumn(client);
    if (!column)
      throw new StartupError(`database ${maskUrl(url)} has no chunks table: run 'ragworker migrate' first`);
    if (column.dimension !== embeddingDim) {
      throw new StartupError(
        `EMBEDDING_DIM is ${embeddingDim} but chunks.embedding has ${column.dimension} dimensions: ` +
          "set EMBEDDING_DIM to match, or migrate a fresh database",
      );
    }
    return { column, schema };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Embeds one probe text with the configured provider (loading the model once, here) and checks
 * its dimension against EMBEDDING_DIM, which the column was already checked against.
 */
export async function probeEmbedder(
  config: EmbedderConfig & { readonly chunkSize: number; readonly chunkUnit: ChunkUnit },
  semaphore: SharedArrayBuffer,
  logger: Logger,
): Promise<void> {
  let embedder: Embedder | undefined;
  try {
    embedder = await createEmbedder(config, semaphore, logger);
    const [vector] = await embedder.embed(["ragworker dimension probe"]);
    const dimension = vector?.length ?? 0;
    if (dimension !== config.embeddingDim) {
      throw new StartupError(
        `EMBEDDING_DIM is ${config.embeddingDim} but the ${config.embeddingProvider} model ${embedder.model} gives ${dimension} dimensions`,
      );
    }
    logger.info(
      { provider: config.embeddingProvider, model: embedder.model, dimension },
      "embedder probe passed",
    );
    const longest = maxMergedChunkLength(config.chunkSize);
    // Only token sizes can be held against the model's input; characters are not tokens.
    if (
      config.chunkUnit === "tokens" &&
      embedder.maxInputTokens !== undefined &&
      longest > embedder.maxInputTokens
    ) {
      // Not fatal: the chunks are still stored whole and found by their first tokens' meaning.
      logger.warn(
        { chunkSize: config.chunkSize, longestChunk: longest, maxInputTokens: embedder.maxInputTokens },
        "chunks can be longer than the model's input (CHUNK_TOKENS + 25% for a merged last chunk): their ends are truncated when embedded; lower CHUNK_TOKENS",
      );
    }
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(
      `embedding provider ${config.embeddingProvider} failed its probe: ${reason(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await embedder?.close?.();
  }
}
