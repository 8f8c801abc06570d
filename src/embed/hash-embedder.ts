/**
 * An embedder without a model: feature hashing of words and character trigrams.
 *
 * It is lexical, not semantic. Texts sharing words or spellings ("chunking", "chunked") get
 * close vectors; synonyms ("car", "automobile") and translations do not. It exists so the worker
 * runs, and its tests are deterministic, with no model download and no network; use `onnx` or
 * `openai` for retrieval quality.
 *
 * Each feature adds ±weight to one of `dimension` buckets; the sign, from an independent hash
 * bit, makes collisions cancel out on average instead of piling up. The vector is L2-normalized
 * so cosine similarity is a dot product; a text without words gives the zero vector.
 */
import type { Embedder } from "./embedder.js";
import { hashFeature } from "./feature-hash.js";

export const HASH_EMBEDDER_MODEL = "hash-v1";

const WORD_SEED = 0x9e3779b9;
const TRIGRAM_SEED = 0x85ebca6b;
// Whole words carry more meaning than any one of their trigrams; trigrams carry the spelling.
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;
// Letters with their combining marks (Devanagari, decomposed accents) and digits make a word.
const WORD_PATTERN = /[\p{L}\p{M}\p{N}]+/gu;
const SURROGATE = /[\uD800-\uDFFF]/;

export function createHashEmbedder(dimension: number): Embedder {
  if (!Number.isInteger(dimension) || dimension <= 0) {
    throw new RangeError(`embedding dimension must be a positive integer, got ${dimension}`);
  }
  return {
    model: HASH_EMBEDDER_MODEL,
    dimension,
    embed: (texts) => Promise.resolve(texts.map((text) => hashEmbed(text, dimension))),
  };
}

function hashEmbed(text: string, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  for (const match of text.toLowerCase().matchAll(WORD_PATTERN)) {
    const word = match[0];
    addFeature(vector, hashFeature(word, WORD_SEED), WORD_WEIGHT);
    addTrigrams(vector, word);
  }
  normalizeInPlace(vector);
  return vector;
}

/** Trigrams of code points; padding marks the word's edges, so "cat" shares less with "concat". */
function addTrigrams(vector: Float32Array, word: string): void {
  const padded = ` ${word} `;
  if (!SURROGATE.test(word)) {
    // Code units are code points: hash each trigram in place.
    for (let index = 0; index + 3 <= padded.length; index += 1) {
      addFeature(vector, hashFeature(padded, TRIGRAM_SEED, index, index + 3), TRIGRAM_WEIGHT);
    }
    return;
  }
  // Astral characters (emoji, rare CJK) take two code units; rare enough to allocate for.
  const characters = Array.from(padded);
  for (let index = 0; index + 3 <= characters.length; index += 1) {
    const trigram = characters.slice(index, index + 3).join("");
    addFeature(vector, hashFeature(trigram, TRIGRAM_SEED), TRIGRAM_WEIGHT);
  }
}

function addFeature(vector: Float32Array, hash: number, weight: number): void {
  // Bucket from the upper 31 bits, sign from the lowest: independent after the hash's mixing.
  const bucket = (hash >>> 1) % vector.length;
  vector[bucket] = (vector[bucket] ?? 0) + (hash & 1 ? weight : -weight);
}

function normalizeInPlace(vector: Float32Array): void {
  let sumOfSquares = 0;
  for (const value of vector) {
    sumOfSquares += value * value;
  }
  if (sumOfSquares === 0) {
    return;
  }
  const scale = 1 / Math.sqrt(sumOfSquares);
  for (let index = 0; index < vector.length; index += 1) {
    vector[index] = (vector[index] ?? 0) * scale;
  }
}
