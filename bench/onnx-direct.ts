/**
 * Raw onnxruntime-node throughput, without the worker around it: T worker_threads, each with its
 * own tokenizer and session (intraOpNumThreads 1), embed a list of texts in batches of B
 * (tokenize, pad, session.run, mean pooling, L2 normalization) and the run reports chunks/second.
 * A yardstick for what the pool can reach with a given model; not a test.
 *
 *   node --import tsx bench/onnx-direct.ts --model DIR [--threads 2] [--batch 32]
 *        [--texts FILE | --count 512 --words 100] [--max-length 128] [--rounds 1]
 *
 * --texts reads one text a line (or a JSON array of strings); otherwise --count texts of --words
 * generated words. Texts are split evenly between threads; every thread loads its model and runs
 * one warm-up batch before the clock starts. Make a model with scripts/make-tiny-model.sh.
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

interface ThreadData {
  modelDir: string;
  texts: string[];
  batch: number;
  maxLength: number;
  rounds: number;
}

type FromThread = { kind: "ready" } | { kind: "done"; texts: number; seconds: number; tokens: number };

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
  const texts = values.texts
    ? await readTexts(values.texts)
    : generateTexts(Number(values.count), Number(values.words));

  // This same file is the thread. Node 20 does not carry `--import tsx` into worker threads, so
  // each one registers tsx itself before importing this file.
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api")).href.replace(
    /\.cjs$/,
    ".mjs",
  );
  const bootstrap =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(import.meta.url)}); });`;
  const workers = Array.from({ length: threads }, (_, index) => {
    const share = texts.filter((_, position) => position % threads === index);
    const data: ThreadData = {
      modelDir: path.resolve(values.model ?? ""),
      texts: share,
      batch,
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
  for (const result of results) {
    if (result.kind !== "done") continue;
    embedded += result.texts;
    tokens += result.tokens;
  }
  const summary = {
    model: path.basename(path.resolve(values.model)),
    threads,
    batch,
    maxLength,
    texts: embedded,
    meanTokens: Math.round(tokens / Math.max(embedded, 1)),
    seconds: Number(seconds.toFixed(3)),
    chunksPerSecond: Number((embedded / seconds).toFixed(1)),
    cpus: os.availableParallelism(),
  };
  console.log(
    `${summary.model}: ${summary.chunksPerSecond} chunks/s with ${threads} thread(s), batch ${batch}, ` +
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

  const embedBatch = async (texts: readonly string[]): Promise<number> => {
    const encoded: number[][] = texts.map((text) => {
      const all = tokenizer.encode(text).ids;
      // Keep the leading tokens and the final special token ([SEP]).
      return all.length <= data.maxLength ? all : [...all.slice(0, data.maxLength - 1), ...all.slice(-1)];
    });
    const length = Math.max(...encoded.map((row) => row.length));
    const ids = new BigInt64Array(texts.length * length);
    const mask = new BigInt64Array(texts.length * length);
    encoded.forEach((row, index) =>
      row.forEach((id, column) => {
        ids[index * length + column] = BigInt(id);
        mask[index * length + column] = 1n;
      }),
    );
    const dims = [texts.length, length];
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

  await embedBatch(data.texts.slice(0, data.batch));
  port.postMessage({ kind: "ready" } satisfies FromThread);
  await new Promise((resolve) => port.once("message", resolve));

  const started = performance.now();
  let tokens = 0;
  for (let round = 0; round < data.rounds; round += 1) {
    for (let start = 0; start < data.texts.length; start += data.batch) {
      tokens += await embedBatch(data.texts.slice(start, start + data.batch));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  port.postMessage({
    kind: "done",
    texts: data.texts.length * data.rounds,
    seconds,
    tokens,
  } satisfies FromThread);
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
