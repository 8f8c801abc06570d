import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { createHashEmbedder, HASH_EMBEDDER_MODEL } from "../../src/embed/hash-embedder.js";
import { hashFeature } from "../../src/embed/feature-hash.js";

function cosine(left: Float32Array, right: Float32Array): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  left.forEach((value, index) => {
    const other = right[index] ?? 0;
    dot += value * other;
    leftNorm += value * value;
    rightNorm += other * other;
  });
  return dot / Math.sqrt(leftNorm * rightNorm);
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

async function embedOne(text: string, dimension = 768): Promise<Float32Array> {
  const [vector] = await createHashEmbedder(dimension).embed([text]);
  assert.ok(vector);
  return vector;
}

/** The same hash written the obvious way: FNV-1a over Node's UTF-8 bytes, then fmix32. */
function referenceHash(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (const byte of Buffer.from(text, "utf8")) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

describe("hashFeature", () => {
  it("equals FNV-1a + fmix32 over the UTF-8 bytes, for 1- to 4-byte characters", () => {
    for (const text of ["", "a", "chunk", "café", "Ωmega", "日本語", "😀 emoji", "mixed ü 字 🚀"]) {
      for (const seed of [0, 1, 0x9e3779b9]) {
        assert.equal(hashFeature(text, seed), referenceHash(text, seed), `${text} / ${seed}`);
      }
    }
  });

  it("keeps its values: stored embeddings depend on them", () => {
    assert.equal(hashFeature("chunk"), 846118491);
    assert.equal(hashFeature("café"), 3746663762);
    assert.equal(hashFeature("😀", 1), 1911242793);
  });
});

describe("createHashEmbedder", () => {
  it("names its model and dimension", () => {
    const embedder = createHashEmbedder(384);
    assert.equal(embedder.model, "hash-v1");
    assert.equal(HASH_EMBEDDER_MODEL, "hash-v1");
    assert.equal(embedder.dimension, 384);
  });

  it("rejects a dimension that is not a positive integer", () => {
    for (const dimension of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => createHashEmbedder(dimension), RangeError);
    }
  });

  it("returns one unit-length vector of the dimension per text, in order", async () => {
    const texts = ["first text", "second, rather different text", "日本語のテキスト", "emoji 🚀 text"];
    const vectors = await createHashEmbedder(256).embed(texts);
    assert.equal(vectors.length, texts.length);
    for (const vector of vectors) {
      assert.ok(vector instanceof Float32Array);
      assert.equal(vector.length, 256);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5, `norm ${norm(vector)}`);
    }
    assert.deepEqual(vectors[1], await embedOne(texts[1] ?? "", 256));
  });

  it("is deterministic across calls and instances", async () => {
    const text = "Deterministic feature hashing: the same text, the same vector.";
    assert.deepEqual(await embedOne(text), await embedOne(text));
    const [fromBatch] = await createHashEmbedder(768).embed([text, "other"]);
    assert.deepEqual(fromBatch, await embedOne(text));
  });

  it("gives the zero vector, not NaN, for a text without words", async () => {
    for (const text of ["", "   ", "!!! ... ---"]) {
      const vector = await embedOne(text);
      assert.ok(
        vector.every((value) => value === 0),
        JSON.stringify(text),
      );
    }
  });

  it("ignores case and punctuation", async () => {
    assert.deepEqual(await embedOne("Hello, World!"), await embedOne("hello world"));
  });

  it("places texts sharing words closer than unrelated ones", async () => {
    const fox = await embedOne("The quick brown fox jumps over the lazy dog");
    const similarFox = await embedOne("A quick brown fox jumped over a lazy dog");
    const revenue = await embedOne("Quarterly revenue grew in the European market");
    assert.ok(cosine(fox, similarFox) > 0.5, `similar: ${cosine(fox, similarFox)}`);
    assert.ok(cosine(fox, similarFox) > cosine(fox, revenue) + 0.3);
  });

  it("places similar spellings closer than different words (lexical, not semantic)", async () => {
    const chunking = await embedOne("chunking");
    assert.ok(cosine(chunking, await embedOne("chunked")) > cosine(chunking, await embedOne("database")));
    // Synonyms share no spelling, so nothing brings them together.
    const car = await embedOne("car");
    assert.ok(Math.abs(cosine(car, await embedOne("automobile"))) < 0.3);
  });

  // Its speed is measured by the benchmarks: bench/throughput.ts runs with EMBEDDING_PROVIDER=hash.
  it("embeds 1 MB of text into one unit vector", async () => {
    const words = ["retrieval", "augmented", "generation", "chunk", "vector", "naïve", "données", "検索"];
    const text = Array.from({ length: 120_000 }, (_, index) => `${words[index % words.length]}${index % 97}`)
      .join(" ")
      .slice(0, 1_000_000);
    const vector = await embedOne(text);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
  });
});
