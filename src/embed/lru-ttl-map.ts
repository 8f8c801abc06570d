/**
 * A map of bounded size whose entries also expire: the least recently used entry goes first when
 * it is full, and an entry older than its time to live reads as absent. It stands in for the
 * TTL+LRU cache of rag-corp's in-memory embedding cache (1000 entries, 3600 s).
 *
 * Written here rather than taken from a package: it is the few lines below on a `Map`, whose
 * iteration order is insertion order, so re-inserting an entry marks it most recently used.
 * Reading refreshes recency, not the expiry: an entry lives `ttlMs` from when it was written.
 */
export interface LruTtlMapOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** Milliseconds on a monotonic clock; tests move it forward. */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class LruTtlMap<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: LruTtlMapOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
      throw new RangeError(`ttlMs must be a positive number, got ${options.ttlMs}`);
    }
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? (() => performance.now());
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    this.evict();
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops expired entries first (they are no loss), then the least recently used. */
  private evict(): void {
    if (this.entries.size <= this.maxEntries) return;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
