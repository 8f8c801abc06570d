/**
 * Picks the embedding cache's backend as rag-corp does (`EMBEDDING_CACHE_BACKEND`): `memory`;
 * `redis`, which falls back to memory when Redis does not answer; or `auto` (unset), Redis when it
 * answers a PING, else memory. Either way the worker runs: a cache only saves provider calls.
 */
import type { RedisClient } from "../config/redis-connection.js";

import {
  MemoryEmbeddingCacheStore,
  type EmbeddingCacheStore,
  type MemoryEmbeddingCacheStoreOptions,
} from "./embedding-cache-store.js";
import {
  bounded,
  disconnectRedis,
  RedisEmbeddingCacheStore,
  type RedisEmbeddingCacheStoreOptions,
} from "./redis-embedding-cache-store.js";

export type EmbeddingCacheBackend = "memory" | "redis" | "auto";

export interface OpenEmbeddingCacheStoreOptions {
  readonly backend: EmbeddingCacheBackend;
  /**
   * Taken over, used or not: the Redis store closes it in `close()`, and it is disconnected at
   * once when the memory backend is chosen, so no connection outlives the cache.
   */
  readonly redis?: RedisClient;
  /** How long Redis has to answer the PING that decides; 2 s unless told. */
  readonly pingTimeoutMs?: number;
  readonly memory?: MemoryEmbeddingCacheStoreOptions;
  readonly redisStore?: RedisEmbeddingCacheStoreOptions;
  /** Told why Redis was asked for (or possible) but memory chosen, for a log line. */
  readonly onFallback?: (reason: string) => void;
}

export const CACHE_PING_TIMEOUT_MS = 2_000;

export async function openEmbeddingCacheStore(
  options: OpenEmbeddingCacheStoreOptions,
): Promise<EmbeddingCacheStore> {
  const { backend, redis } = options;
  const memory = (): EmbeddingCacheStore => new MemoryEmbeddingCacheStore(options.memory);
  if (backend === "memory") {
    if (redis !== undefined) await disconnectRedis(redis);
    return memory();
  }
  if (redis === undefined) {
    if (backend === "redis") options.onFallback?.("no Redis client given");
    return memory();
  }
  // Until the PING settles, a connection failure must not reach ioredis' default printer.
  const swallow = (): void => undefined;
  redis.on("error", swallow);
  try {
    const timeoutMs = options.pingTimeoutMs ?? CACHE_PING_TIMEOUT_MS;
    // Without an offline queue a command sent before the client is ready fails at once; a
    // cluster client is ready only after it has read the slot map (CLUSTER SLOTS), later than a
    // single server's socket connects, so the PING waits for readiness first (same bound).
    await bounded(readyOf(redis), timeoutMs, "connect");
    const answer = await bounded(redis.ping(), timeoutMs, "PING");
    if (answer !== "PONG") throw new Error(`Redis answered PING with ${answer}`);
  } catch (error) {
    await disconnectRedis(redis);
    options.onFallback?.(
      `Redis did not answer PING: ${error instanceof Error ? error.message : String(error)}`,
    );
    return memory();
  } finally {
    redis.off("error", swallow);
  }
  return new RedisEmbeddingCacheStore(redis, options.redisStore);
}

/** Resolves once the client is ready; rejects if it ends first. Bounded by the caller. */
function readyOf(redis: RedisClient): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      redis.off("end", onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off("ready", onReady);
      reject(new Error("the connection ended before it was ready"));
    };
    redis.once("ready", onReady);
    redis.once("end", onEnd);
  });
}
