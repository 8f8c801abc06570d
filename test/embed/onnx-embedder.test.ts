import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "../support/bounded-test.js";
import { within } from "../support/waits.js";
import { wordsFrom } from "../support/text.js";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import { Tokenizer } from "@huggingface/tokenizers";

import type { Embedder } from "../../src/embed/embedder.js";
import { createOnnxEmbedder } from "../../src/embed/onnx-embedder.js";
import { PermanentError } from "../../src/errors/permanent-error.js";

// A random-weight BERT made by scripts/make-tiny-model.py: vocab 1156, hidden 32, 128 positions.
const MODEL_DIR = fileURLToPath(new URL("../fixtures/tiny-bert", import.meta.url));

const TEXTS = [
  "The worker reads a document, splits it into chunks and embeds every chunk.",
  "Embedding vectors are stored in the database next to their text.",
  "short",
  "Straße, café, naïve: accents and punctuation!",
  "a much longer sentence about rivers, mountains, islands and the sea, written to make this batch pad",
];

// Words in and out of the tiny vocabulary, chosen by a fixed generator.
const WORDS = ["river", "document", "chunking", "xylophone", "the", "embedded", "queue", "qwerty", "of"];
function words(count: number, seed = 1): string[] {
  return wordsFrom(WORDS, count, seed);
}

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function maxDifference(left: Float32Array, right: Float32Array): number {
  assert.equal(left.length, right.length);
  return left.reduce((max, value, index) => Math.max(max, Math.abs(value - (right[index] ?? NaN))), 0);
}

function bytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

async function loadTokenizer(): Promise<Tokenizer> {
  const read = async (name: string): Promise<object> =>
    JSON.parse(await readFile(path.join(MODEL_DIR, name), "utf8")) as object;
  return new Tokenizer(await read("tokenizer.json"), await read("tokenizer_config.json"));
}

describe("ONNX embedder (tiny BERT fixture)", () => {
  let embedder: Embedder;
  const embedOne = async (text: string, using: Embedder = embedder): Promise<Float32Array> => {
    const [vector] = await using.embed([text]);
    assert.ok(vector);
    return vector;
  };

  before(async () => {
    embedder = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1 });
  });
  after(async () => {
    await embedder.close?.();
  });

  it("takes its dimension from the model and its name from the directory", () => {
    assert.equal(embedder.dimension, 32);
    assert.equal(embedder.model, "tiny-bert");
  });

  it("counts tokens with the model's tokenizer, special tokens left out, and states its input limit", async () => {
    const tokenizerFiles = await Promise.all(
      ["tokenizer.json", "tokenizer_config.json"].map(
        async (name) =>
          JSON.parse(await readFile(path.join(MODEL_DIR, name), "utf8")) as Record<string, unknown>,
      ),
    );
    const tokenizer = new Tokenizer(tokenizerFiles[0] ?? {}, tokenizerFiles[1] ?? {});
    for (const text of TEXTS) {
      const withSpecials = tokenizer.encode(text).ids.length;
      assert.equal(embedder.countTokens?.(text), withSpecials - 2, text);
    }
    // 128 positions less [CLS] and [SEP].
    assert.equal(embedder.maxInputTokens, 126);
  });

  it("uses the modelName option when given", async () => {
    const named = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, modelName: "tiny@v1" });
    try {
      assert.equal(named.model, "tiny@v1");
    } finally {
      await named.close?.();
    }
  });

  it("returns one finite unit-norm vector per text, the empty string included", async () => {
    const vectors = await embedder.embed([...TEXTS, "", "   "]);
    assert.equal(vectors.length, TEXTS.length + 2);
    for (const vector of vectors) {
      assert.ok(vector instanceof Float32Array);
      assert.equal(vector.length, 32);
      assert.ok(vector.every(Number.isFinite));
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5, `norm ${norm(vector)}`);
    }
    assert.deepEqual(await embedder.embed([]), []);
  });

  it("gives different texts different vectors", async () => {
    const [first, second] = await embedder.embed([TEXTS[0] ?? "", TEXTS[1] ?? ""]);
    assert.ok(first && second);
    assert.ok(maxDifference(first, second) > 1e-3);
  });

  it("is deterministic", async () => {
    const first = await embedOne(TEXTS[0] ?? "");
    const second = await embedOne(TEXTS[0] ?? "");
    assert.ok(bytes(first).equals(bytes(second)));
  });

  it("embeds a padded batch as it embeds each text alone", async () => {
    const batch = await embedder.embed(TEXTS);
    for (const [index, text] of TEXTS.entries()) {
      const alone = await embedOne(text);
      const inBatch = batch[index];
      assert.ok(inBatch);
      assert.ok(maxDifference(alone, inBatch) < 1e-5, `text ${index}: ${maxDifference(alone, inBatch)}`);
    }
  });

  it("splits large calls into sub-batches of maxBatchSize, with the same vectors", async () => {
    const small = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, maxBatchSize: 2 });
    try {
      const split = await small.embed(TEXTS);
      const whole = await embedder.embed(TEXTS);
      assert.equal(split.length, TEXTS.length);
      split.forEach((vector, index) => {
        const other = whole[index];
        assert.ok(other);
        assert.ok(maxDifference(vector, other) < 1e-5);
      });
    } finally {
      await small.close?.();
    }
  });

  it("truncates a 5,000-word text to the model's 128 tokens instead of crashing", async () => {
    const tokenizer = await loadTokenizer();
    const long = words(5000);
    // The fewest leading words that fill the 126 tokens between [CLS] and [SEP].
    let count = 1;
    while (tokenizer.encode(long.slice(0, count).join(" "), { add_special_tokens: false }).ids.length < 126) {
      count += 1;
    }
    assert.ok(count < 200, `${count} words`);
    const full = await embedOne(long.join(" "));
    const prefix = await embedOne(long.slice(0, count).join(" "));
    const longer = await embedOne([...long, ...words(300, 7)].join("\n"));
    const shorter = await embedOne(long.slice(0, 200).join(" "));
    assert.ok(full.every(Number.isFinite));
    assert.ok(maxDifference(full, prefix) < 1e-6, `first ${count} words: ${maxDifference(full, prefix)}`);
    assert.ok(maxDifference(full, longer) < 1e-6);
    assert.ok(maxDifference(full, shorter) < 1e-6);
    // One word fewer than the limit is a different input.
    const lessThanLimit = await embedOne(long.slice(0, count - 1).join(" "));
    assert.ok(maxDifference(full, lessThanLimit) > 1e-4);
  });

  it("truncates right when the text's first characters hold few tokens", async () => {
    // Words longer than 100 characters are one [UNK] each: the first 2,000 characters hold only
    // 14 tokens, so the whole text must be tokenized to find the first 126.
    const longWords = Array.from({ length: 150 }, (_, index) => "x".repeat(140) + String(index));
    const text = [...longWords, ...words(400)].join(" ");
    // A CJK character outside the vocabulary is one [UNK] too, in two characters with its space.
    const unknowns = (count: number): string => "中 ".repeat(count);
    const full = await embedOne(text);
    assert.ok(maxDifference(full, await embedOne(unknowns(126))) < 1e-6);
    assert.ok(maxDifference(full, await embedOne(unknowns(200))) < 1e-6);
    assert.ok(maxDifference(full, await embedOne(unknowns(14))) > 1e-4);
  });

  it("never feeds more tokens than the model has positions, whatever maxLength says", async () => {
    const big = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, maxLength: 100_000 });
    try {
      const text = words(3000).join(" ");
      assert.ok(maxDifference(await embedOne(text, big), await embedOne(text)) < 1e-6);
    } finally {
      await big.close?.();
    }
  });

  it("truncates to a shorter maxLength", async () => {
    const short = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, maxLength: 8 });
    try {
      const text = words(50).join(" ");
      // Six tokens between [CLS] and [SEP]: the same as any text that starts with those tokens.
      const viaShort = await embedOne(text, short);
      const sameStart = await embedOne(`${text} and more words at the end`, short);
      assert.ok(maxDifference(viaShort, sameStart) < 1e-6);
      assert.ok(maxDifference(viaShort, await embedOne(text)) > 1e-4);
    } finally {
      await short.close?.();
    }
  });

  it("pools by mean by default (1_Pooling/config.json), by the first token on request", async () => {
    const cls = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, pooling: "cls" });
    const mean = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, pooling: "mean" });
    try {
      const text = TEXTS[0] ?? "";
      const byCls = await embedOne(text, cls);
      const byMean = await embedOne(text, mean);
      assert.ok(Math.abs(norm(byCls) - 1) < 1e-5);
      assert.ok(maxDifference(byCls, byMean) > 1e-3);
      assert.ok(bytes(byMean).equals(bytes(await embedOne(text))));
    } finally {
      await cls.close?.();
      await mean.close?.();
    }
  });

  it("leaves vectors unnormalized with normalize: false", async () => {
    const raw = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, normalize: false });
    try {
      const text = TEXTS[1] ?? "";
      const vector = await embedOne(text, raw);
      const length = norm(vector);
      assert.ok(Math.abs(length - 1) > 1e-3, `norm ${length}`);
      const normalized = vector.map((value) => value / length);
      assert.ok(maxDifference(normalized, await embedOne(text)) < 1e-5);
    } finally {
      await raw.close?.();
    }
  });

  it("refuses to embed after close, and closes twice without error", async () => {
    const closing = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1 });
    await closing.close?.();
    await closing.close?.();
    await assert.rejects(closing.embed(["text"]), /closed/);
  });

  it("gives byte-identical vectors in two worker threads and the main thread", async () => {
    const threadModule = new URL("./onnx-embedder-thread.mjs", import.meta.url);
    const compiled = new URL("../../dist/embed/onnx-embedder.js", import.meta.url);
    assert.ok(existsSync(compiled), "dist/embed/onnx-embedder.js is missing: run `npm run build` first");
    const texts = [...TEXTS, words(1000).join(" ")];
    const inThread = (): Promise<{ model: string; dimension: number; vectors: Float32Array[] }> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(threadModule, { workerData: { modelDir: MODEL_DIR, texts, rounds: 20 } });
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`worker exited with code ${code} before answering`)));
      });
    const [first, second] = await within(
      Promise.all([inThread(), inThread()]),
      "two threads to embed the texts 20 times and answer",
      120_000,
    );
    const main = await embedder.embed(texts);
    for (const result of [first, second]) {
      assert.equal(result.model, "tiny-bert");
      assert.equal(result.dimension, 32);
      assert.equal(result.vectors.length, texts.length);
      result.vectors.forEach((vector, index) => {
        const expected = main[index];
        assert.ok(expected);
        assert.ok(bytes(vector).equals(bytes(expected)), `text ${index} differs from the main thread's`);
      });
    }
  });
});

describe("ONNX embedder: model directories it cannot load", () => {
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "onnx-embedder-"));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** A copy of the fixture with `change` applied. */
  async function brokenCopy(name: string, change: (dir: string) => Promise<void>): Promise<string> {
    const dir = path.join(scratch, name);
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await copyFile(path.join(MODEL_DIR, file), path.join(dir, file));
    }
    await change(dir);
    return dir;
  }

  async function assertRejected(modelDir: string, reason: RegExp): Promise<void> {
    await assert.rejects(createOnnxEmbedder({ modelDir, intraOpThreads: 1 }), (error: unknown) => {
      assert.ok(error instanceof PermanentError, String(error));
      assert.equal(error.code, "EMBEDDING_REJECTED");
      assert.ok(
        error.message.startsWith(`cannot load ONNX model from ${path.resolve(modelDir)}: `),
        error.message,
      );
      assert.match(error.message, reason);
      return true;
    });
  }

  it("a directory that does not exist", async () => {
    await assertRejected(path.join(scratch, "missing"), /ENOENT/);
  });

  it("a file instead of a directory", async () => {
    await assertRejected(path.join(MODEL_DIR, "config.json"), /not a directory/);
  });

  it("a directory without ONNX weights", async () => {
    await assertRejected(
      await brokenCopy("no-weights", (dir) => rm(path.join(dir, "onnx"), { recursive: true })),
      /no ONNX weights \(looked for onnx\/model\.onnx, model\.onnx; no \.onnx file there\)/,
    );
  });

  it("weights that are not an ONNX model", async () => {
    await assertRejected(
      await brokenCopy("bad-weights", (dir) => writeFile(path.join(dir, "onnx/model.onnx"), "not a model")),
      /onnx\/model\.onnx: /,
    );
  });

  it("a missing or broken tokenizer.json", async () => {
    await assertRejected(
      await brokenCopy("no-tokenizer", (dir) => rm(path.join(dir, "tokenizer.json"))),
      /tokenizer\.json: ENOENT/,
    );
    await assertRejected(
      await brokenCopy("bad-tokenizer", (dir) => writeFile(path.join(dir, "tokenizer.json"), "{")),
      /tokenizer\.json: /,
    );
    await assertRejected(
      await brokenCopy("not-a-tokenizer", (dir) => writeFile(path.join(dir, "tokenizer.json"), "{}")),
      /tokenizer\.json: /,
    );
  });

  it("finds model.onnx at the top of the directory too", async () => {
    const dir = await brokenCopy("flat", async (target) => {
      await copyFile(path.join(target, "onnx/model.onnx"), path.join(target, "model.onnx"));
      await rm(path.join(target, "onnx"), { recursive: true });
    });
    const flat = await createOnnxEmbedder({ modelDir: dir, intraOpThreads: 1 });
    const reference = await createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1 });
    try {
      assert.equal(flat.model, "flat");
      // No 1_Pooling/config.json in the copy: mean pooling all the same.
      const [left] = await flat.embed(["same text"]);
      const [right] = await reference.embed(["same text"]);
      assert.ok(left && right && bytes(left).equals(bytes(right)));
    } finally {
      await flat.close?.();
      await reference.close?.();
    }
  });

  it("rejects bad numeric options", async () => {
    await assert.rejects(createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 0 }), RangeError);
    await assert.rejects(
      createOnnxEmbedder({ modelDir: MODEL_DIR, intraOpThreads: 1, maxLength: 1 }),
      RangeError,
    );
  });
});
