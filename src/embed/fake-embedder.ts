/**
 * rag-corp's fake embedding provider (`FAKE_EMBEDDINGS=true`), reproduced bit for bit so that a
 * ragworker run with it fills the same embedding space as rag-corp's own worker: a query embedded
 * by rag-corp's API finds the chunks ragworker wrote.
 *
 * For a text trimmed of Python whitespace (`t`), component `i` (0…767) comes from
 * `SHA-256(UTF-8(t + "|" + i))`: its first 8 bytes read as a big-endian unsigned 64-bit `u`, then
 * `(u / 2^64) * 2 - 1` in float64. Nothing else is normalized (no whitespace collapsing, no
 * Unicode normalization), and a query gets the same vector as a document.
 *
 * The float64 values are what rag-corp computes and caches; `embed` rounds them to float32, as
 * pgvector stores them anyway.
 */
import { createHash, type Hash } from "node:crypto";

import { PermanentError } from "../errors/permanent-error.js";
import { pythonStrip } from "../text/python-whitespace.js";
import type { Embedder } from "./embedder.js";
import type { Float64Embedder } from "./float64-embedder.js";

export const FAKE_EMBEDDER_MODEL = "fake-embedding-v1";
export const FAKE_EMBEDDER_DIMENSION = 768;

const TWO_TO_THE_64 = 2 ** 64;

/** The fake provider; its `model` is rag-corp's model id, which cache keys and metadata carry. */
export class FakeEmbedder implements Embedder, Float64Embedder {
  readonly model = FAKE_EMBEDDER_MODEL;
  readonly dimension = FAKE_EMBEDDER_DIMENSION;

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    try {
      return Promise.resolve(this.embedBatchFloat64(texts).map((vector) => Float32Array.from(vector)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  embedFloat64(texts: readonly string[]): Promise<Float64Array[]> {
    try {
      return Promise.resolve(this.embedBatchFloat64(texts));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** rag-corp's `embed_batch`: every text is checked before any is embedded. */
  embedBatchFloat64(texts: readonly string[]): Float64Array[] {
    const trimmed = texts.map((text) => pythonStrip(text));
    const blank = trimmed.findIndex((text) => text === "");
    if (blank !== -1) {
      throw new PermanentError("EMBEDDING_REJECTED", `Batch text at index ${blank} must not be empty`, {
        index: blank,
      });
    }
    return trimmed.map((text) => fakeVector(text));
  }

  /** rag-corp's `embed_query` (the API side); the vector is the document one. */
  embedQueryFloat64(text: string): Float64Array {
    const trimmed = pythonStrip(text);
    if (trimmed === "") throw new PermanentError("EMBEDDING_REJECTED", "Query must not be empty");
    return fakeVector(trimmed);
  }
}

export function createFakeEmbedder(): FakeEmbedder {
  return new FakeEmbedder();
}

/** The vector of an already trimmed, non-blank text. */
function fakeVector(trimmed: string): Float64Array {
  // The text is hashed once and the state copied per component: a 900-character chunk would
  // otherwise be hashed 768 times over.
  const prefix: Hash = createHash("sha256").update(`${trimmed}|`, "utf8");
  const vector = new Float64Array(FAKE_EMBEDDER_DIMENSION);
  for (let index = 0; index < FAKE_EMBEDDER_DIMENSION; index += 1) {
    const digest = prefix.copy().update(String(index), "utf8").digest();
    // Number(bigint) rounds to nearest, ties to even, like Python's int / int; the division by a
    // power of two and the doubling are exact, so only the final subtraction rounds again.
    vector[index] = (Number(digest.readBigUInt64BE(0)) / TWO_TO_THE_64) * 2 - 1;
  }
  return vector;
}
