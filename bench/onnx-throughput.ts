/**
 * The onnx provider through the whole worker against onnxruntime-node called directly
 * (bench/onnx-direct.ts) on the same model, texts, thread count and batch size, in one run.
 * The model has all-MiniLM-L6-v2's shape with random weights, made by scripts/make-tiny-model.sh
 * (not committed). Prints chunks/s of both and the worker's overhead; not a test.
 *
 *   npm run bench:onnx [-- --threads 2 --batch 32 --texts 512]
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Job } from "bullmq";
import { createTestEnvironment } from "../test/support/test-environment.js";
import { startWorkerProcess } from "../test/support/worker-process.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    batch: { type: "string", default: "32" },
    texts: { type: "string", default: "512" },
    model: { type: "string", default: join(ROOT, ".ragworker/bench-models/minilm") },
    rounds: { type: "string", default: "3" },
  },
});
const threads = Number(values.threads);
const batch = Number(values.batch);
const count = Number(values.texts);
const modelDir = values.model;
const rounds = Number(values.rounds);
const WORDS_PER_TEXT = 110;
// Whole batches per document, so the worker embeds in the same batches as the direct run.
const TEXTS_PER_DOCUMENT = batch * 2;

if (!existsSync(join(modelDir, "onnx/model.onnx"))) {
  console.log(`making a MiniLM-shaped model in ${modelDir} (random weights)...`);
  execFileSync("bash", [join(ROOT, "scripts/make-tiny-model.sh"), modelDir, "--shape", "minilm"], {
    stdio: "inherit",
  });
}

// Whole-word vocabulary entries: each word is one token, so every text has the same length.
const vocabulary = (await readFile(join(modelDir, "vocab.txt"), "utf8"))
  .split("\n")
  .filter((word) => /^[a-z]{3,}$/.test(word));
let state = 12345;
const random = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};
const texts = Array.from(
  { length: count },
  (_, i) =>
    `${i} ${Array.from({ length: WORDS_PER_TEXT }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(" ")}.`,
);

const work = await mkdtemp(join(tmpdir(), "ragworker-bench-onnx-"));
const textsFile = join(work, "texts.txt");
await writeFile(textsFile, texts.join("\n"));

const direct: Array<{ chunksPerSecond: number; meanTokens: number }> = [];
const runDirect = () => {
  const output = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(ROOT, "bench/onnx-direct.ts"),
      "--model",
      modelDir,
      "--threads",
      String(threads),
      "--batch",
      String(batch),
      "--texts",
      textsFile,
    ],
    { encoding: "utf8" },
  );
  direct.push(
    JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { chunksPerSecond: number; meanTokens: number },
  );
};
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? NaN;

console.log("worker: the same texts as document paragraphs, one chunk each ...");
const env = await createTestEnvironment("bench-onnx", { embeddingDim: 384 });
const worker = startWorkerProcess(
  env.env({
    EMBEDDING_PROVIDER: "onnx",
    EMBEDDING_MODEL: modelDir,
    EMBEDDING_DIM: "384",
    EMBEDDING_BATCH_SIZE: String(batch),
    EMBEDDING_MAX_LENGTH: "128",
    WORKER_THREADS: String(threads),
    // "thread ready" is a debug line; the clock starts once every thread has its model.
    LOG_LEVEL: "debug",
    // One text per chunk: a paragraph is about 800 characters, two never fit in one chunk.
    CHUNK_TOKENS: "1000",
    CHUNK_OVERLAP_TOKENS: "0",
  }),
);
const workerRates: number[] = [];
let chunks = 0;
try {
  await worker.waitForLog(
    () => worker.logs.filter((line) => line.message === "thread ready").length >= threads,
    120_000,
  );
  // Rounds alternate direct and worker runs, so both see the same machine load; each worker
  // round uses fresh texts (a round prefix), since stored embeddings would otherwise be reused.
  for (let round = 0; round < rounds; round += 1) {
    console.log(`round ${round + 1}/${rounds}: direct, then worker`);
    runDirect();
    const documents: Array<{ documentId: string; workspaceId: string }> = [];
    for (let start = 0; start < texts.length; start += TEXTS_PER_DOCUMENT) {
      const body = texts
        .slice(start, start + TEXTS_PER_DOCUMENT)
        .map((text) => `r${round} ${text}`)
        .join("\n\n");
      documents.push(await env.insertDocument({ bytes: body, fileName: `r${round}-d${start}.txt` }));
    }
    const started = performance.now();
    const jobs: Job[] = await Promise.all(documents.map((doc) => env.enqueue(doc)));
    const outcomes = await Promise.all(jobs.map((job) => env.finished(job)));
    const seconds = (performance.now() - started) / 1000;
    chunks = 0;
    for (const outcome of outcomes) {
      if (outcome.state !== "completed") throw new Error(`a document failed: ${outcome.reason}`);
      chunks += (outcome.value as { chunksCreated: number }).chunksCreated;
    }
    workerRates.push(chunks / seconds);
  }
} finally {
  await worker.stop();
  await env.close();
  await rm(work, { recursive: true, force: true });
}

const directRate = median(direct.map((run) => run.chunksPerSecond));
const workerRate = median(workerRates);
const ratio = workerRate / directRate;
console.log();
console.log(
  `model: MiniLM-shaped (hidden 384, 6 layers), ${direct[0]?.meanTokens} tokens per text, ${threads} threads, batch ${batch}, median of ${rounds} rounds`,
);
console.log("| path | chunks per round | chunks/s (median) | rounds |");
console.log("| --- | --- | --- | --- |");
console.log(
  `| onnxruntime-node direct | ${count} | ${directRate.toFixed(1)} | ${direct.map((run) => run.chunksPerSecond.toFixed(1)).join(", ")} |`,
);
console.log(
  `| ragworker (queue → thread → extract, chunk, embed, persist) | ${chunks} | ${workerRate.toFixed(1)} | ${workerRates.map((rate) => rate.toFixed(1)).join(", ")} |`,
);
console.log(`worker / direct: ${ratio.toFixed(3)} (overhead ${((1 - ratio) * 100).toFixed(1)}%)`);
