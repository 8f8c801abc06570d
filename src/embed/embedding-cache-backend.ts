/**
 * Picks the embedding cache's backend as rag-corp does (`EMBEDDING_CACHE_BACKEND`): `memory`;
 * `redis`, which falls back to memory when Redis does not answer; or `auto` (unset), Redis when it
 * answers a PING, else memory. Either way the worker runs: a cache only saves provider calls.
 */
import type { Redis } from "ioredis";

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
  readonly redis?: Redis;
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
    const answer = await bounded(redis.ping(), options.pingTimeoutMs ?? CACHE_PING_TIMEOUT_MS, "PING");
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
