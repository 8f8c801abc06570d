import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { after, before, describe, it } from "../support/bounded-test.js";
import { wordsFrom } from "../support/text.js";
import { SeededRandom } from "../support/seeded-random.js";

import { loadConfig } from "../../src/config/config.js";
import { ConfigError } from "../../src/config/config-error.js";
import type { Embedder } from "../../src/embed/embedder.js";
import { consecutiveBatches, planBatches } from "../../src/embed/onnx-batch-plan.js";
import { createOnnxEmbedder } from "../../src/embed/onnx-embedder.js";
import { PermanentError } from "../../src/errors/permanent-error.js";

// A random-weight BERT made by scripts/make-tiny-model.py: vocab 1156, hidden 32, 128 positions.
const MODEL_DIR = fileURLToPath(new URL("../fixtures/tiny-bert", import.meta.url));
const WORDS = ["river", "document", "chunking", "xylophone", "the", "embedded", "queue", "qwerty", "of"];

/**
 * What a document's chunks look like to the embedder: most near the chunk size, the rest short
 * (headings, list items, a section's or the document's last chunk), in document order.
 */
function chunkLikeTexts(count: number, seed: number): string[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const words = random.int(1, 10) <= 7 ? random.int(70, 110) : random.int(1, 25);
    return wordsFrom(WORDS, words, seed * 1000 + index).join(" ");
  });
}

function cosine(left: Float32Array, right: Float32Array): number {
  let dot = 0;
  let leftSquares = 0;
  let rightSquares = 0;
  left.forEach((value, index) => {
    const other = right[index] ?? NaN;
    dot += value * other;
    leftSquares += value * value;
    rightSquares += other * other;
  });
  return dot / Math.sqrt(leftSquares * rightSquares);
}

describe("ONNX batch plan", () => {
  it("puts every position in exactly one batch, longest first, within both limits", () => {
    const random = new SeededRandom(7);
    const lengths = Array.from({ length: 500 }, () => random.int(3, 300));
    const limits = { maxCount: 32, maxTokens: 4096 };
    const batches = planBatches(lengths, limits);
    assert.deepEqual(
      batches.flat().sort((x, y) => x - y),
      lengths.map((_, position) => position),
    );
    let previous = Infinity;
    for (const batch of batches) {
      const widths = batch.map((position) => lengths[position] ?? 0);
      const longest = Math.max(...widths);
      assert.ok(batch.length <= limits.maxCount);
      assert.ok(batch.length * longest <= limits.maxTokens, `${batch.length} × ${longest}`);
      assert.equal(widths[0], longest, "a batch starts with its longest text");
      assert.ok(longest <= previous, "batches go from longest to shortest");
      previous = Math.min(...widths);
    }
    // Short texts fill batches to the count limit; long ones go in fewer per batch.
    assert.ok(batches.some((batch) => batch.length === 32));
    assert.ok(batches.some((batch) => batch.length < 32 && batch !== batches.at(-1)));
  });

  it("gives a text longer than the token budget a batch of its own", () => {
    assert.deepEqual(planBatches([10, 900, 20], { maxCount: 8, maxTokens: 100 }), [[1], [2, 0]]);
  });

  it("keeps equal lengths in input order and plans nothing for no texts", () => {
    assert.deepEqual(planBatches([5, 5, 5, 5], { maxCount: 3, maxTokens: 1000 }), [[0, 1, 2], [3]]);
    assert.deepEqual(planBatches([], { maxCount: 3, maxTokens: 1000 }), []);
    assert.deepEqual(consecutiveBatches(5, 2), [[0, 1], [2, 3], [4]]);
  });

  it("refuses limits that cannot hold a text", () => {
    assert.throws(() => planBatches([1], { maxCount: 0, maxTokens: 10 }), RangeError);
    assert.throws(() => planBatches([1], { maxCount: 1, maxTokens: 0.5 }), RangeError);
  });
});

describe("ONNX embedder batches by token length (tiny BERT fixture)", () => {
  let byLength: Embedder;
  let inOrder: Embedder;

  before(async () => {
    byLength = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, maxBatchSize: 16 });
    inOrder = await createOnnxEmbedder({
      modelDir: MODEL_DIR,
      intraOpThreads: 1,
      maxBatchSize: 16,
      batchOrder: "input",
    });
  });

  after(async () => {
    await byLength.close?.();
    await inOrder.close?.();
  });

  it("returns the unsorted path's vectors, in the caller's order (cosine ≥ 0.9999 per text)", async () => {
    const texts = chunkLikeTexts(120, 3);
    const plan = byLength.planBatches?.(texts) ?? [];
    // The mix is one the plan changes: batches are not simply the input in order.
    assert.notDeepEqual(plan, consecutiveBatches(texts.length, 16));
    const sorted = await byLength.embed(texts);
    const unsorted = await inOrder.embed(texts);
    assert.equal(sorted.length, texts.length);
    let worst = 1;
    sorted.forEach((vector, index) => {
      const other = unsorted[index];
      assert.ok(other);
      worst = Math.min(worst, cosine(vector, other));
    });
    assert.ok(worst >= 0.9999, `worst cosine ${worst}`);
    // And each is the text's own vector, not a neighbour's: a text alone gives the same.
    for (const index of [0, 57, 119]) {
      const [alone] = await byLength.embed([texts[index] ?? ""]);
      assert.ok(alone && cosine(alone, sorted[index] ?? new Float32Array()) >= 0.9999);
    }
  });

  it("plans fewer padded tokens than consecutive batches of the same size", async () => {
    const texts = chunkLikeTexts(200, 4);
    const plan = byLength.planBatches?.(texts);
    assert.ok(plan);
    const lengths = texts.map((text) => (byLength.countTokens?.(text) ?? 0) + 2);
    const padded = (batches: number[][]): number =>
      batches.reduce(
        (sum, batch) => sum + batch.length * Math.max(...batch.map((position) => lengths[position] ?? 0)),
        0,
      );
    const sortedTokens = padded(plan);
    const naiveTokens = padded(consecutiveBatches(texts.length, 16));
    assert.ok(sortedTokens < naiveTokens * 0.8, `${sortedTokens} padded tokens, naive ${naiveTokens}`);
  });

  it("embeds repeated and empty texts in place", async () => {
    const texts = ["", "river of the document", "", "river of the document", "queue"];
    const vectors = await byLength.embed(texts);
    assert.equal(vectors.length, 5);
    assert.deepEqual(vectors[0], vectors[2]);
    assert.deepEqual(vectors[1], vectors[3]);
    assert.notDeepEqual(vectors[1], vectors[4]);
  });
});

describe("EMBEDDING_ONNX_FILE", () => {
  let dir: string;

  // The tiny model with its weights under a quantized file's name. A renamed copy, not a
  // quantized one: onnxruntime's quantization tools (Python) are not installed here, and what
  // is tested is which file is loaded.
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ragworker-onnx-file-"));
    for (const entry of await readdir(MODEL_DIR, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const from = path.join(entry.parentPath, entry.name);
      const relative = path.relative(MODEL_DIR, from);
      const to = path.join(
        dir,
        relative === path.join("onnx", "model.onnx") ? "onnx/model_quantized.onnx" : relative,
      );
      await mkdir(path.dirname(to), { recursive: true });
      await copyFile(from, to);
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the named file and gives the same vectors as the original", async () => {
    const chosen = await createOnnxEmbedder({
      modelDir: dir,
      intraOpThreads: 1,
      onnxFile: "onnx/model_quantized.onnx",
    });
    const original = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1 });
    try {
      const [left] = await chosen.embed(["the river of the document"]);
      const [right] = await original.embed(["the river of the document"]);
      assert.ok(left && right);
      assert.deepEqual(left, right);
    } finally {
      await chosen.close?.();
      await original.close?.();
    }
  });

  it("names a missing file and lists the .onnx files that are there", async () => {
    await assert.rejects(
      createOnnxEmbedder({ modelDir: dir, intraOpThreads: 1, onnxFile: "onnx/model_qint8_avx512.onnx" }),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.match(error.message, /EMBEDDING_ONNX_FILE onnx\/model_qint8_avx512\.onnx not found/);
        assert.match(error.message, /\.onnx files there: onnx\/model_quantized\.onnx/);
        return true;
      },
    );
    // Unset, the default names are looked for, and what is there is listed too.
    await assert.rejects(
      createOnnxEmbedder({ modelDir: dir, intraOpThreads: 1 }),
      /onnx\/model_quantized\.onnx/,
    );
  });

  it("is read from the environment as a path inside the model directory", () => {
    assert.equal(
      loadConfig({ EMBEDDING_ONNX_FILE: "onnx/model_qint8_avx512.onnx" }).embedding.onnxFile,
      "onnx/model_qint8_avx512.onnx",
    );
    assert.equal(loadConfig({}).embedding.onnxFile, null);
    for (const value of ["../model.onnx", "/models/model.onnx", "onnx/model.bin", "onnx/../../x.onnx"]) {
      assert.throws(
        () => loadConfig({ EMBEDDING_ONNX_FILE: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes("EMBEDDING_ONNX_FILE"),
        value,
      );
    }
  });
});
