import pg from "pg";
import type { Piscina } from "piscina";
import { maskUrl } from "../config/mask-url.js";
import { createRedis, probeRedisOptions } from "../config/redis-connection.js";
import { detectDatabaseSchema, type DatabaseSchema } from "../db/database-schema.js";
import { readEmbeddingColumn, type EmbeddingColumn } from "../db/embedding-column.js";
import { findMissingColumns } from "../db/schema-requirements.js";
import type { Logger } from "../logging/logger.js";
import { errorReason } from "../errors/error-reason.js";
import { StartupError } from "../errors/startup-error.js";
import { isThreadReport, type ThreadReport } from "../protocol/thread-protocol.js";

export async function pingRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = createRedis(url, probeRedisOptions(timeoutMs));
  redis.on("error", () => {
    // The failure is reported by connect() below; this listener keeps ioredis from printing it too.
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new StartupError(`redis unreachable at ${maskUrl(url)}: ${errorReason(error)}`, { cause: error });
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
    throw new StartupError(`postgresql unreachable at ${maskUrl(url)}: ${errorReason(error)}`, {
      cause: error,
    });
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

/** Longest the supervisor waits for every thread to load its embedder and report. */
export const THREAD_START_TIMEOUT_MS = 120_000;

/**
 * Waits for every thread's start-up report (bounded): each thread loads its embedder and embeds a
 * probe text (the supervisor never embeds). Refuses with the first refusal's one line, or when a
 * thread dies or the reports do not all come in time; warns once when token chunks can outgrow
 * the model's input.
 */
export async function awaitThreadReports(
  pool: Pick<Piscina, "on" | "off">,
  config: { readonly threads: number; readonly chunkSize: number },
  logger: Logger,
  timeoutMs: number = THREAD_START_TIMEOUT_MS,
): Promise<Extract<ThreadReport, { type: "ready" }>> {
  const ready = new Map<number, Extract<ThreadReport, { type: "ready" }>>();
  let onMessage: ((message: unknown) => void) | undefined;
  let onError: ((error: unknown) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onMessage = (message) => {
        if (!isThreadReport(message)) return;
        if (message.type === "refused") return reject(new StartupError(message.reason));
        ready.set(message.threadId, message);
        if (ready.size >= config.threads) resolve();
      };
      onError = (error) =>
        reject(new StartupError(`a thread failed to start: ${errorReason(error)}`, { cause: error }));
      timer = setTimeout(
        () =>
          reject(
            new StartupError(
              `threads did not load their embedder within ${timeoutMs / 1000} s (${ready.size} of ${config.threads} did)`,
            ),
          ),
        timeoutMs,
      );
      pool.on("message", onMessage);
      pool.on("error", onError);
    });
  } finally {
    clearTimeout(timer);
    if (onMessage) pool.off("message", onMessage);
    if (onError) pool.off("error", onError);
  }
  const [report] = ready.values();
  if (!report) throw new StartupError("no thread reported its embedder");
  logger.info(
    { provider: report.provider, model: report.model, dimension: report.dimension, threads: ready.size },
    "embedder probe passed",
  );
  const { longestChunkTokens: longest, maxInputTokens } = report;
  if (longest !== null && maxInputTokens !== null && longest > maxInputTokens) {
    // Not fatal: the chunks are still stored whole and found by their first tokens' meaning.
    logger.warn(
      { chunkSize: config.chunkSize, longestChunk: longest, maxInputTokens },
      "chunks can be longer than the model's input (CHUNK_TOKENS + 25% for a merged last chunk): their ends are truncated when embedded; lower CHUNK_TOKENS",
    );
  }
  return report;
}
