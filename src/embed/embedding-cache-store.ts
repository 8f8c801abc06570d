/**
 * Where the embedding cache keeps its vectors, by the SHA-256 digest of their logical key (see
 * embedding-cache-key.ts). A store never fails its caller: a backend that errs reads as a miss and
 * drops the write, as rag-corp ignores cache errors, because the provider can always answer.
 */
import { LruTtlMap } from "./lru-ttl-map.js";

export type EmbeddingCacheBackendName = "memory" | "redis";

export interface EmbeddingCacheEntry {
  readonly digest: string;
  readonly vector: Float64Array;
}

export interface EmbeddingCacheStore {
  readonly backend: EmbeddingCacheBackendName;
  /** One answer per digest, in order; undefined is a miss (absent, expired, unreadable, or an error). */
  getMany(digests: readonly string[]): Promise<(Float64Array | undefined)[]>;
  setMany(entries: readonly EmbeddingCacheEntry[]): Promise<void>;
  close(): Promise<void>;
}

/** rag-corp's in-memory backend: 1000 entries, an hour each. */
export const MEMORY_CACHE_MAX_ENTRIES = 1000;
export const EMBEDDING_CACHE_TTL_SECONDS = 3600;

export interface MemoryEmbeddingCacheStoreOptions {
  readonly maxEntries?: number;
  readonly ttlMs?: number;
  /** Milliseconds on a monotonic clock; tests move it forward. */
  readonly now?: () => number;
}

/** Per thread (each Piscina thread builds its own embedder), like rag-corp's per-process one. */
export class MemoryEmbeddingCacheStore implements EmbeddingCacheStore {
  readonly backend = "memory";
  private readonly entries: LruTtlMap<string, Float64Array>;

  constructor(options: MemoryEmbeddingCacheStoreOptions = {}) {
    this.entries = new LruTtlMap({
      maxEntries: options.maxEntries ?? MEMORY_CACHE_MAX_ENTRIES,
      ttlMs: options.ttlMs ?? EMBEDDING_CACHE_TTL_SECONDS * 1000,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }

  /** Entries held (expired ones not yet dropped included); for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }

  getMany(digests: readonly string[]): Promise<(Float64Array | undefined)[]> {
    // Copies, so a caller scaling or normalizing its vector in place cannot change the cache.
    return Promise.resolve(digests.map((digest) => this.entries.get(digest)?.slice()));
  }

  setMany(entries: readonly EmbeddingCacheEntry[]): Promise<void> {
    for (const { digest, vector } of entries) this.entries.set(digest, vector.slice());
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }
}
