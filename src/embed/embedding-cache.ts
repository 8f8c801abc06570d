/**
 * rag-corp's CachingEmbeddingService as an Embedder around any other: vectors are looked up by the
 * logical key of their text (embedding-cache-key.ts) before the provider is asked.
 *
 * A batch is deduplicated by key, the first text with a key standing for all of them (so
 * `"a  b"` and `"a b"` both get the vector of whichever comes first); the keys missing from the
 * cache go to the provider in one call, and its vectors are written back. Hits and misses are
 * counted per input position, for `rag_embedding_cache_{hit,miss}_total{kind="batch"}`: a text
 * repeated in a cold batch is a miss at each position, though embedded once.
 *
 * Vectors are cached as float64 when the provider offers them (Float64Embedder), as rag-corp
 * caches Python floats, and rounded to float32 only on the way out.
 */
import { PermanentError } from "../errors/permanent-error.js";
import type { Embedder } from "./embedder.js";
import { DOCUMENT_TASK_TYPE, embeddingCacheDigest } from "./embedding-cache-key.js";
import type { EmbeddingCacheEntry, EmbeddingCacheStore } from "./embedding-cache-store.js";
import { hasFloat64Path, type Float64Embedder } from "./float64-embedder.js";

export interface EmbeddingCacheLookup {
  /** Input positions answered from the cache. */
  readonly hits: number;
  /** Input positions not in the cache (their texts went to the provider, once per key). */
  readonly misses: number;
}

export interface CachedEmbeddings<V> extends EmbeddingCacheLookup {
  readonly vectors: V[];
}

export interface CachingEmbedderOptions {
  /** rag-corp's task type in the key; `retrieval_document`, the worker's, unless told. */
  readonly taskType?: string;
  /** Told the counts of every non-empty call, whichever method made it, before the provider is asked. */
  readonly onLookup?: (lookup: EmbeddingCacheLookup) => void;
}

export class CachingEmbedder implements Embedder, Float64Embedder {
  readonly model: string;
  readonly dimension: number;
  readonly maxInputTokens?: number;
  readonly countTokens?: (text: string) => number;
  readonly taskType: string;
  private readonly onLookup: ((lookup: EmbeddingCacheLookup) => void) | undefined;

  /** Takes both over: `close()` closes the store and the provider. */
  constructor(
    private readonly provider: Embedder,
    private readonly store: EmbeddingCacheStore,
    options: CachingEmbedderOptions = {},
  ) {
    // The key carries the provider's model id, so two models never share an entry.
    this.model = provider.model;
    this.dimension = provider.dimension;
    if (provider.maxInputTokens !== undefined) this.maxInputTokens = provider.maxInputTokens;
    const countTokens = provider.countTokens?.bind(provider);
    if (countTokens !== undefined) this.countTokens = countTokens;
    this.taskType = options.taskType ?? DOCUMENT_TASK_TYPE;
    this.onLookup = options.onLookup;
  }

  /** Which backend the cache ended up on (`auto` resolves at open). */
  get backend(): EmbeddingCacheStore["backend"] {
    return this.store.backend;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return (await this.embedWithStats(texts)).vectors;
  }

  async embedWithStats(texts: readonly string[]): Promise<CachedEmbeddings<Float32Array>> {
    const result = await this.embedFloat64WithStats(texts);
    return { ...result, vectors: result.vectors.map((vector) => Float32Array.from(vector)) };
  }

  async embedFloat64(texts: readonly string[]): Promise<Float64Array[]> {
    return (await this.embedFloat64WithStats(texts)).vectors;
  }

  async embedFloat64WithStats(texts: readonly string[]): Promise<CachedEmbeddings<Float64Array>> {
    if (texts.length === 0) return { vectors: [], hits: 0, misses: 0 };
    const digests = texts.map((text) => embeddingCacheDigest(this.model, this.taskType, text));
    // Each key once, at the position of its first text.
    const firstPosition = new Map<string, number>();
    digests.forEach((digest, position) => {
      if (!firstPosition.has(digest)) firstPosition.set(digest, position);
    });
    const unique = [...firstPosition.keys()];

    const found = new Map<string, Float64Array>();
    (await this.lookUp(unique)).forEach((vector, index) => {
      const digest = unique[index];
      // A vector of another length (an entry from another configuration) is no answer.
      if (digest !== undefined && vector?.length === this.dimension) found.set(digest, vector);
    });
    const hits = digests.filter((digest) => found.has(digest)).length;
    const lookup: EmbeddingCacheLookup = { hits, misses: texts.length - hits };
    // Counted when looked up, so a batch whose provider call then fails still shows its misses.
    this.onLookup?.(lookup);

    const missing = unique.filter((digest) => !found.has(digest));
    if (missing.length > 0) {
      const missingTexts = missing.map((digest) => texts[firstPosition.get(digest) ?? 0] ?? "");
      const fresh = await this.provide(missingTexts);
      if (fresh.length !== missing.length) {
        throw new PermanentError(
          "EMBEDDING_REJECTED",
          `embedding provider returned ${fresh.length} vectors for ${missing.length} texts`,
        );
      }
      const entries: EmbeddingCacheEntry[] = missing.map((digest, index) => ({
        digest,
        vector: fresh[index] ?? new Float64Array(0),
      }));
      for (const { digest, vector } of entries) found.set(digest, vector);
      await this.store.setMany(entries).catch(() => undefined);
    }

    // Each position its own array: a caller changing one vector must not change a repeat's.
    const vectors = digests.map((digest) => (found.get(digest) ?? new Float64Array(0)).slice());
    return { vectors, ...lookup };
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
    } finally {
      await this.provider.close?.();
    }
  }

  private async lookUp(digests: readonly string[]): Promise<(Float64Array | undefined)[]> {
    try {
      return await this.store.getMany(digests);
    } catch {
      // Stores do not throw by contract; one that does anyway still only costs a provider call.
      return digests.map(() => undefined);
    }
  }

  private async provide(texts: readonly string[]): Promise<Float64Array[]> {
    if (hasFloat64Path(this.provider)) return this.provider.embedFloat64(texts);
    const vectors = await this.provider.embed(texts);
    return vectors.map((vector) => Float64Array.from(vector));
  }
}
