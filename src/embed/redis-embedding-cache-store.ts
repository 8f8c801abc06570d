/**
 * rag-corp's Redis backend of the embedding cache: `rag:embedding:<sha256 hex>` holding the vector
 * as a JSON array of numbers, written with SETEX and an hour to live. Entries are interchangeable
 * with rag-corp's: both sides write float64 values as JSON numbers (the spelling of a number may
 * differ, `1e-05` against `0.00001`, its value does not).
 *
 * Every command is bounded by `operationTimeoutMs`: ioredis queues commands while it reconnects,
 * and a cache must not hold an embedding call up for longer than the provider would take.
 *
 * On a Redis Cluster the keys of one call lie on many slots, where MGET and a pipeline refuse
 * them (CROSSSLOT; an ioredis cluster pipeline must stay on one node): each key is then its own
 * GET or SETEX, sent together, which ioredis routes to each key's node.
 */
import { Cluster } from "ioredis";
import type { RedisClient } from "../config/redis-connection.js";

import { redisEmbeddingKey } from "./embedding-cache-key.js";
import {
  EMBEDDING_CACHE_TTL_SECONDS,
  type EmbeddingCacheEntry,
  type EmbeddingCacheStore,
} from "./embedding-cache-store.js";

export type EmbeddingCacheOperation = "get" | "set" | "close";

export interface RedisEmbeddingCacheStoreOptions {
  readonly ttlSeconds?: number;
  readonly operationTimeoutMs?: number;
  /** Told of each ignored error, for a log line or a counter; the store carries on regardless. */
  readonly onError?: (error: unknown, operation: EmbeddingCacheOperation) => void;
}

export const REDIS_CACHE_OPERATION_TIMEOUT_MS = 1_000;
const CLOSE_TIMEOUT_MS = 2_000;

export class RedisEmbeddingCacheStore implements EmbeddingCacheStore {
  readonly backend = "redis";
  private readonly ttlSeconds: number;
  private readonly operationTimeoutMs: number;
  private readonly onError: (error: unknown, operation: EmbeddingCacheOperation) => void;
  private readonly swallow = (): void => undefined;
  private closed = false;

  /** Takes the client over: `close()` closes it. */
  constructor(
    private readonly redis: RedisClient,
    options: RedisEmbeddingCacheStoreOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? EMBEDDING_CACHE_TTL_SECONDS;
    this.operationTimeoutMs = options.operationTimeoutMs ?? REDIS_CACHE_OPERATION_TIMEOUT_MS;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new RangeError(`cache TTL must be a positive whole number of seconds, got ${this.ttlSeconds}`);
    }
    this.onError = options.onError ?? (() => undefined);
    // Connection errors surface through failed commands; without a listener ioredis would also
    // print each one.
    redis.on("error", this.swallow);
  }

  async getMany(digests: readonly string[]): Promise<(Float64Array | undefined)[]> {
    if (digests.length === 0) return [];
    let values: (string | null)[];
    try {
      const keys = digests.map((digest) => redisEmbeddingKey(digest));
      values = await bounded(
        this.redis instanceof Cluster
          ? Promise.all(keys.map((key) => this.redis.get(key)))
          : this.redis.mget(keys),
        this.operationTimeoutMs,
        "MGET",
      );
    } catch (error) {
      this.onError(error, "get");
      return digests.map(() => undefined);
    }
    return values.map((value) => {
      if (value === null) return undefined;
      const vector = parseVector(value);
      if (vector === undefined)
        this.onError(new Error("cached embedding is not a JSON array of numbers"), "get");
      return vector;
    });
  }

  async setMany(entries: readonly EmbeddingCacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const commands = entries.map(
      ({ digest, vector }) =>
        [redisEmbeddingKey(digest), this.ttlSeconds, JSON.stringify(Array.from(vector))] as const,
    );
    try {
      if (this.redis instanceof Cluster) {
        const redis = this.redis;
        await bounded(
          Promise.all(commands.map((command) => redis.setex(...command))),
          this.operationTimeoutMs,
          "SETEX",
        );
        return;
      }
      const pipeline = this.redis.pipeline();
      for (const command of commands) pipeline.setex(...command);
      const results = await bounded(pipeline.exec(), this.operationTimeoutMs, "SETEX");
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) this.onError(failed, "set");
    } catch (error) {
      this.onError(error, "set");
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // QUIT lets replies still due arrive first; without a connection it could only time out.
      if (this.redis.status !== "ready") {
        await disconnectRedis(this.redis);
        return;
      }
      const ended = endOf(this.redis, CLOSE_TIMEOUT_MS);
      await bounded(this.redis.quit(), CLOSE_TIMEOUT_MS, "QUIT");
      await ended;
    } catch (error) {
      // Not answering QUIT (down, or reconnecting): drop the socket and stop reconnecting.
      this.onError(error, "close");
      await disconnectRedis(this.redis);
    } finally {
      this.redis.off("error", this.swallow);
    }
  }
}

/**
 * Closes the connection at once and stops reconnecting; resolves once the socket is closed (at
 * most CLOSE_TIMEOUT_MS). Between two reconnection attempts there is no socket: ioredis then
 * cancels its timer but leaves the status at "reconnecting", so there is nothing to wait for.
 */
export async function disconnectRedis(redis: RedisClient): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status === "reconnecting") {
    redis.disconnect();
    return;
  }
  const ended = endOf(redis, CLOSE_TIMEOUT_MS);
  redis.disconnect();
  await ended;
}

/** Resolves when the client reports "end", or after `ms` regardless. */
function endOf(redis: RedisClient, ms: number): Promise<void> {
  if (redis.status === "end") return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off("end", done);
      resolve();
    };
    // Unreferenced: waiting for a socket to close must not itself keep the process up.
    const timer = setTimeout(done, ms).unref();
    redis.on("end", done);
  });
}

function parseVector(text: string): Float64Array | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  const vector = new Float64Array(parsed.length);
  for (let index = 0; index < parsed.length; index += 1) {
    const value: unknown = parsed[index];
    if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
    vector[index] = value;
  }
  return vector;
}

/** `promise`, or a rejection after `ms`; a late settlement of `promise` is ignored. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis ${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
