/**
 * Raw onnxruntime-node throughput, without the worker around it: T worker_threads, each with its
 * own tokenizer and session (intraOpNumThreads 1), embed documents' texts in batches (tokenize,
 * pad, session.run, mean pooling, L2 normalization) and the run reports chunks/second. A
 * yardstick for what the pool can reach with a given model; not a test.
 *
 *   node --import tsx bench/onnx-direct.ts --model DIR [--threads 2] [--batch 32]
 *        [--documents FILE | --texts FILE | --count 512 --words 100] [--max-length 128]
 *        [--order naive|sorted] [--max-tokens N] [--rounds 1]
 *
 * --documents reads a JSON array of documents, each an array of its chunk texts in document
 * order; --texts one text a line (or a JSON array of strings), one document; otherwise --count
 * texts of --words generated words. Threads take the next document as they finish one, as the
 * worker's threads do. Per document, --order naive runs consecutive batches of --batch texts,
 * each padded to its longest; --order sorted runs the batches the onnx provider plans
 * (src/embed/onnx-batch-plan.ts: by token length, --batch texts and --max-tokens padded tokens at
 * most; default --batch × 128, the provider's default). Every thread loads its model and runs one
 * warm-up batch before the clock starts. Make a model with scripts/make-tiny-model.sh.
 */
import { access, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

import { Tokenizer } from "@huggingface/tokenizers";
import { InferenceSession, Tensor } from "onnxruntime-node";

import { consecutiveBatches, planBatches } from "../src/embed/onnx-batch-plan.js";

type Order = "naive" | "sorted";

interface ThreadData {
  modelDir: string;
  documents: string[][];
  /** Int32 [next document]: threads take documents from it in turn. */
  next: SharedArrayBuffer;
  batch: number;
  maxTokens: number;
  order: Order;
  maxLength: number;
  rounds: number;
}

type FromThread =
  { kind: "ready" } | { kind: "done"; texts: number; seconds: number; tokens: number; paddedTokens: number };

if (isMainThread) {
  await main();
} else {
  await thread(workerData as ThreadData);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      threads: { type: "string", default: "2" },
      batch: { type: "string", default: "32" },
      texts: { type: "string" },
      documents: { type: "string" },
      order: { type: "string", default: "naive" },
      "max-tokens": { type: "string" },
      count: { type: "string", default: "512" },
      words: { type: "string", default: "100" },
      "max-length": { type: "string", default: "128" },
      rounds: { type: "string", default: "1" },
    },
  });
  if (!values.model) {
    console.error("bench/onnx-direct.ts: --model DIR is required");
    process.exit(2);
  }
  const threads = Number(values.threads);
  const batch = Number(values.batch);
  const maxLength = Number(values["max-length"]);
  const rounds = Number(values.rounds);
  const order = values.order;
  if (order !== "naive" && order !== "sorted") {
    console.error(`bench/onnx-direct.ts: --order is naive or sorted, got ${order}`);
    process.exit(2);
  }
  const maxTokens = Number(values["max-tokens"] ?? batch * 128);
  const documents = values.documents
    ? (JSON.parse(await readFile(values.documents, "utf8")) as string[][])
    : [
        values.texts
          ? await readTexts(values.texts)
          : generateTexts(Number(values.count), Number(values.words)),
      ];
  const next = new SharedArrayBuffer(4 * rounds);

  // This same file is the thread. Node 20 does not carry `--import tsx` into worker threads, so
  // each one registers tsx itself before importing this file.
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href.replace(
    /\.cjs$/,
    ".mjs",
  );
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(import.meta.url)}); });`;
  const workers = Array.from({ length: threads }, () => {
    const data: ThreadData = {
      modelDir: path.resolve(values.model ?? ""),
      documents,
      next,
      batch,
      maxTokens,
      order,
      maxLength,
      rounds,
    };
    return new Worker(bootstrap, { eval: true, workerData: data });
  });
  const messages = (kind: FromThread["kind"]): Promise<FromThread[]> =>
    Promise.all(
      workers.map(
        (worker) =>
          new Promise<FromThread>((resolve, reject) => {
            const onMessage = (message: FromThread): void => {
              if (message.kind !== kind) return;
              worker.off("message", onMessage);
              resolve(message);
            };
            worker.on("message", onMessage);
            worker.once("error", reject);
          }),
      ),
    );

  await messages("ready");
  const started = performance.now();
  const finished = messages("done");
  for (const worker of workers) worker.postMessage("go");
  const results = await finished;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((worker) => worker.terminate()));

  let embedded = 0;
  let tokens = 0;
  let paddedTokens = 0;
  for (const result of results) {
    if (result.kind !== "done") continue;
    embedded += result.texts;
    tokens += result.tokens;
    paddedTokens += result.paddedTokens;
  }
  const summary = {
    model: path.basename(path.resolve(values.model)),
    threads,
    batch,
    order,
    maxTokens,
    maxLength,
    documents: documents.length,
    texts: embedded,
    meanTokens: Math.round(tokens / Math.max(embedded, 1)),
    // Tokens the model ran, padding included; over `tokens`, what padding costs.
    tokens,
    paddedTokens,
    seconds: Number(seconds.toFixed(3)),
    chunksPerSecond: Number((embedded / seconds).toFixed(1)),
    cpus: os.availableParallelism(),
  };
  console.log(
    `${summary.model}: ${summary.chunksPerSecond} chunks/s with ${threads} thread(s), ${order} batches of ${batch}, ` +
      `${summary.meanTokens} tokens per text (${embedded} texts in ${summary.seconds} s)`,
  );
  console.log(JSON.stringify(summary));
}

async function thread(data: ThreadData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("not a worker thread");
  const readJson = async (name: string): Promise<object> => {
    try {
      return JSON.parse(await readFile(path.join(data.modelDir, name), "utf8")) as object;
    } catch {
      return {};
    }
  };
  const tokenizer = new Tokenizer(await readJson("tokenizer.json"), await readJson("tokenizer_config.json"));
  const onnxFile = (await exists(path.join(data.modelDir, "onnx/model.onnx")))
    ? "onnx/model.onnx"
    : "model.onnx";
  const session = await InferenceSession.create(path.join(data.modelDir, onnxFile), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });

  const encode = (text: string): number[] => {
    const all = tokenizer.encode(text).ids;
    // Keep the leading tokens and the final special token ([SEP]).
    return all.length <= data.maxLength ? all : [...all.slice(0, data.maxLength - 1), ...all.slice(-1)];
  };
  const embedBatch = async (encoded: readonly number[][]): Promise<number> => {
    const length = Math.max(...encoded.map((row) => row.length));
    const ids = new BigInt64Array(encoded.length * length);
    const mask = new BigInt64Array(encoded.length * length);
    encoded.forEach((row, index) =>
      row.forEach((id, column) => {
        ids[index * length + column] = BigInt(id);
        mask[index * length + column] = 1n;
      }),
    );
    const dims = [encoded.length, length];
    const feeds: Record<string, Tensor> = { input_ids: new Tensor("int64", ids, dims) };
    if (session.inputNames.includes("attention_mask"))
      feeds["attention_mask"] = new Tensor("int64", mask, dims);
    if (session.inputNames.includes("token_type_ids")) {
      feeds["token_type_ids"] = new Tensor("int64", new BigInt64Array(ids.length), dims);
    }
    const outputName = session.outputNames[0] ?? "last_hidden_state";
    const output = (await session.run(feeds))[outputName];
    if (!(output instanceof Tensor) || !(output.data instanceof Float32Array))
      throw new Error("no float32 output");
    const data32 = output.data;
    const hidden = output.dims[2] ?? 0;
    encoded.forEach((row, index) => {
      const vector = new Float32Array(hidden);
      for (let position = 0; position < row.length; position += 1) {
        const offset = (index * length + position) * hidden;
        for (let unit = 0; unit < hidden; unit += 1) {
          vector[unit] = (vector[unit] ?? 0) + (data32[offset + unit] ?? 0) / row.length;
        }
      }
      const norm = Math.hypot(...vector) || 1;
      vector.forEach((value, unit) => (vector[unit] = value / norm));
    });
    return encoded.reduce((sum, row) => sum + row.length, 0);
  };

  await embedBatch((data.documents[0] ?? []).slice(0, data.batch).map(encode));
  port.postMessage({ kind: "ready" } satisfies FromThread);
  await new Promise((resolve) => port.once("message", resolve));

  const next = new Int32Array(data.next);
  const started = performance.now();
  let tokens = 0;
  let paddedTokens = 0;
  let texts = 0;
  for (let round = 0; round < data.rounds; round += 1) {
    for (
      let index = Atomics.add(next, round, 1);
      index < data.documents.length;
      index = Atomics.add(next, round, 1)
    ) {
      // Tokenized once per text, in both orders: the sorted plan needs the lengths first.
      const encoded = (data.documents[index] ?? []).map(encode);
      const batches =
        data.order === "sorted"
          ? planBatches(
              encoded.map((row) => row.length),
              { maxCount: data.batch, maxTokens: data.maxTokens },
            )
          : consecutiveBatches(encoded.length, data.batch);
      for (const batch of batches) {
        const rows = batch.map((position) => encoded[position] ?? []);
        paddedTokens += rows.length * Math.max(...rows.map((row) => row.length));
        tokens += await embedBatch(rows);
      }
      texts += encoded.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  port.postMessage({ kind: "done", texts, seconds, tokens, paddedTokens } satisfies FromThread);
}

async function readTexts(file: string): Promise<string[]> {
  const content = await readFile(file, "utf8");
  if (content.trimStart().startsWith("[")) {
    const parsed: unknown = JSON.parse(content);
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  return content.split("\n").filter((line) => line.trim() !== "");
}

/** Deterministic English-looking texts; `words` words each (about that many tokens or more). */
function generateTexts(count: number, words: number): string[] {
  const vocabulary =
    "the worker reads a document splits it into chunks and embeds every chunk with a model then " +
    "stores vectors next to their text in the database so that questions find the right passages " +
    "quickly retrieval quality depends on the embedding model chosen for each language and domain";
  const pool = vocabulary.split(" ");
  let state = 12345;
  return Array.from({ length: count }, () =>
    Array.from({ length: words }, () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return pool[state % pool.length] ?? "the";
    }).join(" "),
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
