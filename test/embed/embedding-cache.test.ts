import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, describe, it } from "../support/bounded-test.js";

import { Redis } from "ioredis";

import type { Embedder } from "../../src/embed/embedder.js";
import { CachingEmbedder, type EmbeddingCacheLookup } from "../../src/embed/embedding-cache.js";
import { openEmbeddingCacheStore } from "../../src/embed/embedding-cache-backend.js";
import {
  DOCUMENT_TASK_TYPE,
  embeddingCacheDigest,
  logicalEmbeddingCacheKey,
  QUERY_TASK_TYPE,
  redisEmbeddingKey,
} from "../../src/embed/embedding-cache-key.js";
import { MemoryEmbeddingCacheStore } from "../../src/embed/embedding-cache-store.js";
import { FakeEmbedder } from "../../src/embed/fake-embedder.js";
import { createHashEmbedder } from "../../src/embed/hash-embedder.js";
import { LruTtlMap } from "../../src/embed/lru-ttl-map.js";
import { RedisEmbeddingCacheStore } from "../../src/embed/redis-embedding-cache-store.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { freePort, startPrivateRedis } from "../support/private-redis.js";
import { redisUrl } from "../support/services.js";

interface CacheDemoRow {
  readonly input: string;
  readonly cache_key: string;
  readonly redis_key: string;
  readonly returned_vector_equals_fake_of: readonly string[];
  readonly first3: readonly number[];
}

interface Kit {
  readonly model_id: string;
  readonly cache_demo: {
    readonly batch_input: readonly string[];
    readonly results: readonly CacheDemoRow[];
    readonly query_cache_key_for_alpha_beta: string;
  };
}

const kit = JSON.parse(
  readFileSync(new URL("../fixtures/rag-corp/fake-embeddings.json", import.meta.url), "utf8"),
) as Kit;
const demo = kit.cache_demo;

/** Wraps a provider to record what it was asked for. */
class RecordingEmbedder implements Embedder {
  readonly calls: string[][] = [];
  closed = false;
  readonly model: string;
  readonly dimension: number;

  constructor(private readonly inner: FakeEmbedder = new FakeEmbedder()) {
    this.model = inner.model;
    this.dimension = inner.dimension;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.embed(texts);
  }

  embedFloat64(texts: readonly string[]): Promise<Float64Array[]> {
    this.calls.push([...texts]);
    return this.inner.embedFloat64(texts);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const fake = new FakeEmbedder();
const fakeOf = (text: string): Float64Array => fake.embedBatchFloat64([text])[0] ?? new Float64Array(0);
/** Texts no other test or run writes, so real Redis keys never collide. */
const unique = (label: string): string => `${label} ${process.pid} ${randomBytes(6).toString("hex")}`;

describe("embedding cache keys", () => {
  it("reproduce rag-corp's logical keys and Redis keys", () => {
    for (const row of demo.results) {
      assert.equal(logicalEmbeddingCacheKey(kit.model_id, DOCUMENT_TASK_TYPE, row.input), row.cache_key);
      assert.equal(
        redisEmbeddingKey(embeddingCacheDigest(kit.model_id, DOCUMENT_TASK_TYPE, row.input)),
        row.redis_key,
      );
    }
    assert.equal(
      logicalEmbeddingCacheKey(kit.model_id, QUERY_TASK_TYPE, "alpha beta"),
      demo.query_cache_key_for_alpha_beta,
    );
  });

  it("trim and collapse Python's whitespace, nothing else", () => {
    assert.equal(logicalEmbeddingCacheKey("m", "t", "\u0085 a \u001c\t b\u00a0\u3000c \n"), "m|t|v1|a b c");
    // U+FEFF is not whitespace to Python; Unicode forms are not normalized.
    assert.equal(logicalEmbeddingCacheKey("m", "t", "\ufeffa"), "m|t|v1|\ufeffa");
    assert.notEqual(
      embeddingCacheDigest("m", "t", "caf\u00e9"),
      embeddingCacheDigest("m", "t", "cafe\u0301"),
    );
    assert.match(embeddingCacheDigest("m", "t", "x"), /^[0-9a-f]{64}$/);
  });
});

describe("LruTtlMap", () => {
  it("expires entries ttl after they were written, and drops the least recently used when full", () => {
    let now = 0;
    const map = new LruTtlMap<string, number>({ maxEntries: 3, ttlMs: 1000, now: () => now });
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    assert.equal(map.get("a"), 1); // a is now the most recently used
    map.set("d", 4);
    assert.equal(map.get("b"), undefined);
    assert.deepEqual(
      ["a", "c", "d"].map((key) => map.get(key)),
      [1, 3, 4],
    );

    now = 999;
    assert.equal(map.get("a"), 1);
    now = 1000;
    assert.equal(map.get("a"), undefined);
    assert.equal(map.size, 2);
    map.set("c", 30); // rewriting restarts the clock
    now = 1999;
    assert.equal(map.get("c"), 30);
    assert.equal(map.get("d"), undefined);
  });
});

describe("CachingEmbedder, in memory", () => {
  it("reproduces rag-corp's cache_demo: dedupe by key, first occurrence wins", async () => {
    const provider = new RecordingEmbedder();
    const lookups: EmbeddingCacheLookup[] = [];
    const cached = new CachingEmbedder(provider, new MemoryEmbeddingCacheStore(), {
      onLookup: (lookup) => lookups.push(lookup),
    });
    assert.equal(cached.model, kit.model_id);
    assert.equal(cached.taskType, "retrieval_document");
    assert.equal(cached.backend, "memory");

    const cold = await cached.embedFloat64WithStats(demo.batch_input);
    // One provider call, one text per key, each key's first text as it was written.
    assert.deepEqual(provider.calls, [["alpha  beta", "gamma"]]);
    assert.deepEqual({ hits: cold.hits, misses: cold.misses }, { hits: 0, misses: 4 });
    demo.results.forEach((row, index) => {
      const vector = cold.vectors[index];
      assert.ok(vector);
      assert.deepEqual(Array.from(vector.subarray(0, 3)), row.first3, row.input);
      const sameAs = demo.batch_input.filter((text) =>
        fakeOf(text).every((value, at) => value === vector[at]),
      );
      assert.deepEqual(sameAs, row.returned_vector_equals_fake_of, row.input);
    });

    const warm = await cached.embedWithStats(["alpha beta", " gamma ", "alpha\tbeta"]);
    assert.deepEqual({ hits: warm.hits, misses: warm.misses }, { hits: 3, misses: 0 });
    assert.equal(provider.calls.length, 1);
    assert.deepEqual(Array.from(warm.vectors[2] ?? []), Array.from(Float32Array.from(fakeOf("alpha  beta"))));
    assert.deepEqual(lookups, [
      { hits: 0, misses: 4 },
      { hits: 3, misses: 0 },
    ]);
  });

  it("asks the provider only for the misses, and counts per input position", async () => {
    const provider = new RecordingEmbedder();
    const cached = new CachingEmbedder(provider, new MemoryEmbeddingCacheStore());
    await cached.embed(["one", "two"]);
    const result = await cached.embedWithStats(["two", "three", "one", "three ", "four", "two"]);
    assert.deepEqual(provider.calls, [
      ["one", "two"],
      ["three", "four"],
    ]);
    assert.deepEqual({ hits: result.hits, misses: result.misses }, { hits: 3, misses: 3 });
    const expected = ["two", "three", "one", "three", "four", "two"].map((text) =>
      Array.from(Float32Array.from(fakeOf(text))),
    );
    assert.deepEqual(
      result.vectors.map((vector) => Array.from(vector)),
      expected,
    );
    assert.deepEqual(await cached.embedWithStats([]), { vectors: [], hits: 0, misses: 0 });
  });

  it("hands out copies: changing a returned vector changes neither the cache nor a repeat", async () => {
    const cached = new CachingEmbedder(new RecordingEmbedder(), new MemoryEmbeddingCacheStore());
    const [first, repeat] = await cached.embed(["same", "same"]);
    assert.ok(first && repeat);
    first.fill(0);
    assert.notEqual(repeat[0], 0);
    const [again] = await cached.embed(["same"]);
    assert.deepEqual(Array.from(again ?? []), Array.from(repeat));
  });

  it("expires entries after 3600 s and keeps 1000 of them", async () => {
    let now = 0;
    const store = new MemoryEmbeddingCacheStore({ now: () => now });
    const provider = new RecordingEmbedder();
    const cached = new CachingEmbedder(provider, store);
    await cached.embed(["kept"]);
    now = 3_599_999;
    assert.equal((await cached.embedWithStats(["kept"])).hits, 1);
    now = 3_600_000;
    assert.equal((await cached.embedWithStats(["kept"])).misses, 1);

    const many = Array.from({ length: 1001 }, (_, index) => `text ${index}`);
    await store.setMany(
      many.map((text) => ({ digest: embeddingCacheDigest("m", "t", text), vector: new Float64Array(1) })),
    );
    assert.equal(store.size, 1000);
    const [oldest, newest] = await store.getMany([
      embeddingCacheDigest("m", "t", "text 0"),
      embeddingCacheDigest("m", "t", "text 1000"),
    ]);
    assert.equal(oldest, undefined);
    assert.ok(newest);
  });

  it("lets a provider's error through and caches nothing from the failed call", async () => {
    const provider = new RecordingEmbedder();
    const cached = new CachingEmbedder(provider, new MemoryEmbeddingCacheStore());
    await assert.rejects(
      cached.embed(["fine", "  "]),
      (thrown: unknown) =>
        thrown instanceof PermanentError && thrown.message === "Batch text at index 1 must not be empty",
    );
    assert.equal((await cached.embedWithStats(["fine"])).misses, 1);
  });

  it("wraps a float32-only provider, passes its tokenizer through, and closes store and provider", async () => {
    const hash = createHashEmbedder(16);
    let closed = false;
    const provider: Embedder = {
      ...hash,
      maxInputTokens: 512,
      countTokens: (text) => text.length,
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const store = new MemoryEmbeddingCacheStore();
    const cached = new CachingEmbedder(provider, store);
    assert.equal(cached.dimension, 16);
    assert.equal(cached.maxInputTokens, 512);
    assert.equal(cached.countTokens?.("four"), 4);
    const [first] = await cached.embed(["chunking text"]);
    const [again] = await cached.embed(["chunking text"]);
    assert.deepEqual(Array.from(again ?? []), Array.from(first ?? []));
    assert.equal(store.size, 1);
    await cached.close();
    assert.equal(closed, true);
    assert.equal(store.size, 0);
    assert.equal(
      new CachingEmbedder(new FakeEmbedder(), new MemoryEmbeddingCacheStore()).countTokens,
      undefined,
    );
  });
});

/**
 * The client holds no socket and will not open one: "end", or (disconnected between two attempts)
 * "reconnecting" with no attempt following. ioredis waits attempt × 50 ms between attempts by
 * default; half a second (a 500 ms PING timeout) is a few attempts, whose next wait is shorter than
 * the 500 ms of silence asked for here.
 */
async function assertNoLongerConnecting(redis: Redis): Promise<void> {
  assert.ok(redis.status === "end" || redis.status === "reconnecting", redis.status);
  if (redis.status === "end") return;
  let attempts = 0;
  const count = (): void => {
    attempts += 1;
  };
  redis.on("connecting", count).on("connect", count);
  await new Promise((resolve) => setTimeout(resolve, 500));
  redis.off("connecting", count).off("connect", count);
  assert.equal(attempts, 0);
  assert.equal(redis.status, "reconnecting");
}

describe("CachingEmbedder on the real Redis", () => {
  const written = new Set<string>();
  const cleanup = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  after(async () => {
    if (written.size > 0) await cleanup.del(...written);
    await cleanup.quit();
  });

  async function openRedisCached(provider: Embedder = new RecordingEmbedder()): Promise<CachingEmbedder> {
    const store = await openEmbeddingCacheStore({
      backend: "auto",
      redis: new Redis(redisUrl(), { maxRetriesPerRequest: 1 }),
    });
    assert.equal(store.backend, "redis");
    return new CachingEmbedder(provider, store);
  }

  const keyOf = (text: string): string => {
    const key = redisEmbeddingKey(embeddingCacheDigest(kit.model_id, DOCUMENT_TASK_TYPE, text));
    written.add(key);
    return key;
  };

  it("stores float64 JSON arrays at rag:embedding:<sha256> with SETEX 3600, shared across instances", async () => {
    const first = unique("redis first");
    const second = unique("redis second");
    const writer = new RecordingEmbedder();
    const cachedWriter = await openRedisCached(writer);
    try {
      const cold = await cachedWriter.embedWithStats([first, `  ${first}`, second]);
      assert.deepEqual({ hits: cold.hits, misses: cold.misses }, { hits: 0, misses: 3 });
      assert.deepEqual(writer.calls, [[first, second]]);
    } finally {
      await cachedWriter.close();
    }

    for (const text of [first, second]) {
      const key = keyOf(text);
      assert.match(key, /^rag:embedding:[0-9a-f]{64}$/);
      const ttl = await cleanup.ttl(key);
      assert.ok(ttl > 3590 && ttl <= 3600, `TTL ${ttl}`);
      const stored = JSON.parse((await cleanup.get(key)) ?? "null") as number[];
      assert.ok(Array.isArray(stored));
      assert.equal(stored.length, 768);
      // The float64 values, not their float32 rounding: what rag-corp itself would store.
      assert.deepEqual(stored, Array.from(fakeOf(text)));
    }

    const reader = new RecordingEmbedder();
    const cachedReader = await openRedisCached(reader);
    try {
      const warm = await cachedReader.embedFloat64WithStats([second, first, unique("redis third")]);
      assert.deepEqual({ hits: warm.hits, misses: warm.misses }, { hits: 2, misses: 1 });
      assert.equal(reader.calls.length, 1);
      assert.equal(reader.calls[0]?.length, 1);
      assert.deepEqual(Array.from(warm.vectors[0] ?? []), Array.from(fakeOf(second)));
      keyOf(reader.calls[0]?.[0] ?? "");
    } finally {
      await cachedReader.close();
    }
  });

  it("reads entries as Python's json.dumps writes them, and treats a corrupt one as a miss", async () => {
    const python = unique("python entry");
    const corrupt = unique("corrupt entry");
    const values = Array.from({ length: 768 }, (_, index) => (index === 0 ? 1e-5 : index === 1 ? 1 : -0.5));
    // Python spells these `1e-05` and `1.0`.
    const pythonJson = `[1e-05, 1.0, ${values
      .slice(2)
      .map(() => "-0.5")
      .join(", ")}]`;
    await cleanup.setex(keyOf(python), 3600, pythonJson);
    await cleanup.setex(keyOf(corrupt), 3600, '[0.5, "x"');

    const provider = new RecordingEmbedder();
    const cached = await openRedisCached(provider);
    try {
      const result = await cached.embedFloat64WithStats([python, corrupt]);
      assert.deepEqual({ hits: result.hits, misses: result.misses }, { hits: 1, misses: 1 });
      assert.deepEqual(Array.from(result.vectors[0] ?? []), values);
      assert.deepEqual(provider.calls, [[corrupt]]);
      // The corrupt entry was replaced by a good one.
      assert.equal((JSON.parse((await cleanup.get(keyOf(corrupt))) ?? "[]") as number[]).length, 768);
    } finally {
      await cached.close();
    }
  });

  it("closes the Redis client it was given", async () => {
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    const store = await openEmbeddingCacheStore({ backend: "redis", redis });
    assert.ok(store instanceof RedisEmbeddingCacheStore);
    await new CachingEmbedder(new FakeEmbedder(), store).close();
    assert.equal(redis.status, "end");
  });

  it("memory backend: disconnects a client it will not use", async () => {
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
    const store = await openEmbeddingCacheStore({ backend: "memory", redis });
    assert.equal(store.backend, "memory");
    assert.equal(redis.status, "end");
    await store.close();
  });

  it("auto and redis fall back to memory when Redis does not answer PING", async () => {
    const port = await freePort();
    for (const backend of ["auto", "redis"] as const) {
      const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1 });
      const reasons: string[] = [];
      const store = await openEmbeddingCacheStore({
        backend,
        redis,
        pingTimeoutMs: 500,
        onFallback: (reason) => reasons.push(reason),
      });
      assert.equal(store.backend, "memory", backend);
      assert.equal(reasons.length, 1);
      await assertNoLongerConnecting(redis);
      const cached = new CachingEmbedder(new FakeEmbedder(), store);
      assert.equal((await cached.embedWithStats(["x"])).misses, 1);
      assert.equal((await cached.embedWithStats(["x"])).hits, 1);
      await cached.close();
    }
  });

  it("a Redis that goes away mid-life costs provider calls, never an error", async () => {
    const privateRedis = await startPrivateRedis();
    const errors: string[] = [];
    const redis = new Redis(privateRedis.url, { maxRetriesPerRequest: 1 });
    try {
      const store = await openEmbeddingCacheStore({
        backend: "redis",
        redis,
        redisStore: { operationTimeoutMs: 300, onError: (_error, operation) => errors.push(operation) },
      });
      assert.equal(store.backend, "redis");
      const provider = new RecordingEmbedder();
      const cached = new CachingEmbedder(provider, store);
      await cached.embed(["before"]);
      assert.equal((await cached.embedWithStats(["before"])).hits, 1);

      await privateRedis.stop();
      const result = await cached.embedWithStats(["before", "after"]);
      assert.deepEqual({ hits: result.hits, misses: result.misses }, { hits: 0, misses: 2 });
      assert.deepEqual(provider.calls.at(-1), ["before", "after"]);
      assert.deepEqual(Array.from(result.vectors[1] ?? []), Array.from(Float32Array.from(fakeOf("after"))));
      assert.ok(errors.includes("get") && errors.includes("set"), errors.join(","));
      await cached.close();
      await assertNoLongerConnecting(redis);
    } finally {
      redis.disconnect();
      await privateRedis.stop();
    }
  });
});
