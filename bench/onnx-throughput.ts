/**
 * The onnx provider through the whole worker against onnxruntime-node called directly
 * (bench/onnx-direct.ts), on the same model, chunk texts and thread count, in one run. The texts
 * are the chunks of the bench's CPU-bound corpus (bench/corpus/generate-corpus.ts: PDF and DOCX),
 * cut by the structure-aware token chunker (CHUNK_TOKENS 200, what fits all-MiniLM-L6-v2's 256
 * tokens), so their token lengths are a realistic mix (pages, headings and paragraphs end
 * chunks early), not one length. The character chunker is not used: the corpus's made-up words
 * cost two to three tokens each, so every 900-character chunk would be cut at 256 tokens and the
 * mix would be one length again. Three contenders:
 *
 * - worker: ragworker (queue → thread → extract, chunk, embed by token length, persist);
 * - naive direct: each document's chunks in document order, fixed batches of --batch, each padded
 *   to its longest (what the worker did before it batched by length);
 * - sorted direct: each document's chunks in the very batches the worker plans
 *   (src/embed/onnx-batch-plan.ts).
 *
 * Targets (issue 16): worker ≥ 1.5 × naive direct, worker ≥ 0.95 × sorted direct. The model has
 * all-MiniLM-L6-v2's shape with random weights, made by scripts/make-tiny-model.sh (not
 * committed). Rounds alternate the three, so all see the same machine load; medians. Not a test.
 *
 *   npm run bench:onnx [-- --threads 2 --batch 32 --documents 16 --scale 0.5 --chunk-tokens 200 --rounds 3]
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Job } from "bullmq";
import { createTestEnvironment } from "../test/support/test-environment.js";
import { startWorkerProcess, waitUntilServing } from "../test/support/worker-process.js";
import { CPU_BOUND_FORMATS, generateCorpus } from "./corpus/generate-corpus.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    batch: { type: "string", default: "32" },
    documents: { type: "string", default: "16" },
    scale: { type: "string", default: "0.5" },
    seed: { type: "string", default: "16" },
    // all-MiniLM-L6-v2's max_seq_length: what a deployment of that model embeds.
    "max-length": { type: "string", default: "256" },
    "chunk-tokens": { type: "string", default: "200" },
    model: { type: "string", default: join(ROOT, ".ragworker/bench-models/minilm") },
    rounds: { type: "string", default: "3" },
  },
});
const threads = Number(values.threads);
const batch = Number(values.batch);
const maxLength = Number(values["max-length"]);
const modelDir = values.model;
const rounds = Number(values.rounds);
const TARGET_NAIVE = 1.5;
const TARGET_SORTED = 0.95;

if (!existsSync(join(modelDir, "onnx/model.onnx"))) {
  console.log(`making a MiniLM-shaped model in ${modelDir} (random weights)...`);
  execFileSync("bash", [join(ROOT, "scripts/make-tiny-model.sh"), modelDir, "--shape", "minilm"], {
    stdio: "inherit",
  });
}

const corpus = await generateCorpus(
  Number(values.seed),
  Number(values.documents),
  Number(values.scale),
  CPU_BOUND_FORMATS,
);
const work = await mkdtemp(join(tmpdir(), "ragworker-bench-onnx-"));
const documentsFile = join(work, "documents.json");

interface DirectRun {
  chunksPerSecond: number;
  meanTokens: number;
  texts: number;
  tokens: number;
  paddedTokens: number;
}
const direct: Record<"naive" | "sorted", DirectRun[]> = { naive: [], sorted: [] };
const runDirect = (order: "naive" | "sorted"): void => {
  const output = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(ROOT, "bench/onnx-direct.ts"),
      ...["--model", modelDir, "--threads", String(threads), "--batch", String(batch)],
      ...["--max-length", String(maxLength), "--documents", documentsFile, "--order", order],
    ],
    { encoding: "utf8" },
  );
  direct[order].push(JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as DirectRun);
};
const median = (values: number[]): number =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? NaN;

const loadBefore = loadavg();
const env = await createTestEnvironment("bench-onnx", { embeddingDim: 384 });
const worker = startWorkerProcess(
  env.env({
    EMBEDDING_PROVIDER: "onnx",
    EMBEDDING_MODEL: modelDir,
    EMBEDDING_DIM: "384",
    EMBEDDING_BATCH_SIZE: String(batch),
    EMBEDDING_MAX_LENGTH: String(maxLength),
    WORKER_THREADS: String(threads),
    // "thread ready" is a debug line (waitUntilServing waits for it).
    LOG_LEVEL: "debug",
    MAX_CHUNKS: "1000000",
    CHUNK_TOKENS: values["chunk-tokens"],
  }),
);
const workerRates: number[] = [];
let chunks = 0;
// Where the worker's threads spend their time, from its /metrics: seconds per pipeline stage.
const stageSeconds = new Map<string, number>();
const readStages = async (port: number): Promise<Map<string, number>> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const stages = new Map<string, number>();
  for (const match of text.matchAll(
    /^rag_worker_thread_stage_seconds_total\{[^}]*stage="(\w+)"[^}]*\} (\S+)$/gm,
  )) {
    const [, stage = "", value = "0"] = match;
    stages.set(stage, (stages.get(stage) ?? 0) + Number(value));
  }
  return stages;
};
try {
  // The clock starts once every thread has its model.
  const port = await waitUntilServing(worker, threads);
  for (let round = 0; round < rounds; round += 1) {
    // A fresh workspace a round: stored embeddings are reused only within a workspace.
    const workspaceId = await env.createWorkspace(`bench-onnx-${round}-${randomUUID()}`);
    const documents: Array<{ documentId: string; workspaceId: string }> = [];
    for (const document of corpus) {
      documents.push(
        await env.insertDocument({ bytes: document.bytes, fileName: document.fileName, workspaceId }),
      );
    }
    console.log(`round ${round + 1}/${rounds}: worker`);
    const stagesBefore = await readStages(port);
    const started = performance.now();
    const jobs: Job[] = await Promise.all(documents.map((doc) => env.enqueue(doc)));
    const outcomes = await Promise.all(jobs.map((job) => env.finished(job, 600_000)));
    const seconds = (performance.now() - started) / 1000;
    chunks = 0;
    for (const outcome of outcomes) {
      if (outcome.state !== "completed") throw new Error(`a document failed: ${outcome.reason}`);
      chunks += (outcome.value as { chunksCreated: number }).chunksCreated;
    }
    workerRates.push(chunks / seconds);
    for (const [stage, total] of await readStages(port)) {
      const spent = total - (stagesBefore.get(stage) ?? 0);
      stageSeconds.set(stage, (stageSeconds.get(stage) ?? 0) + spent / rounds);
    }
    if (round === 0) {
      // The direct contenders embed exactly the chunks the worker made, document by document.
      const texts: string[][] = [];
      for (const { documentId } of documents) {
        const { rows } = await env.db.query<{ content: string }>(
          "SELECT content FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
          [documentId],
        );
        texts.push(rows.map((row) => row.content));
      }
      await writeFile(documentsFile, JSON.stringify(texts));
    }
    console.log(`round ${round + 1}/${rounds}: naive direct, sorted direct`);
    runDirect("naive");
    runDirect("sorted");
  }
} finally {
  await worker.stop();
  await env.close();
  await rm(work, { recursive: true, force: true });
}
const loadAfter = loadavg();

const naiveRate = median(direct.naive.map((run) => run.chunksPerSecond));
const sortedRate = median(direct.sorted.map((run) => run.chunksPerSecond));
const workerRate = median(workerRates);
const overNaive = workerRate / naiveRate;
const overSorted = workerRate / sortedRate;
const rates = (runs: number[]): string => runs.map((rate) => rate.toFixed(1)).join(", ");
const padding = (run: DirectRun | undefined): string =>
  run
    ? `${run.paddedTokens} tokens run for ${run.tokens} real (×${(run.paddedTokens / run.tokens).toFixed(3)})`
    : "";
console.log();
console.log(
  `model: MiniLM-shaped (hidden 384, 6 layers), ${threads} threads, batch ${batch} (token budget ${batch * 128}), ` +
    `max length ${maxLength}; texts: ${chunks} chunks (CHUNK_TOKENS ${values["chunk-tokens"]}) of ${corpus.length} CPU-bound documents, ` +
    `${direct.naive[0]?.meanTokens} tokens each on average; median of ${rounds} rounds; ` +
    `load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after`,
);
// The most any batching can gain over naive: naive's padded tokens over the real ones (more
// with attention's length², less with per-run overhead).
console.log(`padding: naive ${padding(direct.naive[0])}; sorted ${padding(direct.sorted[0])}`);
console.log("| contender | chunks/s (median) | rounds |");
console.log("| --- | --- | --- |");
console.log(
  `| onnxruntime-node direct, naive (document order, batches of ${batch}) | ${naiveRate.toFixed(1)} | ${rates(direct.naive.map((run) => run.chunksPerSecond))} |`,
);
console.log(
  `| onnxruntime-node direct, the worker's sorted batches | ${sortedRate.toFixed(1)} | ${rates(direct.sorted.map((run) => run.chunksPerSecond))} |`,
);
console.log(
  `| ragworker (queue → thread → extract, chunk, embed, persist) | ${workerRate.toFixed(1)} | ${rates(workerRates)} |`,
);
console.log();
console.log(
  `worker / naive direct: ${overNaive.toFixed(3)}; worker / sorted direct: ${overSorted.toFixed(3)}`,
);
const busy = [...stageSeconds.values()].reduce((sum, value) => sum + value, 0);
console.log(
  `worker thread time a round, by stage: ${[...stageSeconds]
    .filter(([, value]) => value >= 0.05)
    .sort(([, x], [, y]) => y - x)
    .map(([stage, value]) => `${stage} ${value.toFixed(1)} s (${((value / busy) * 100).toFixed(1)} %)`)
    .join(", ")}`,
);
console.log();
console.log("| target | goal | measured | holds |");
console.log("| --- | --- | --- | --- |");
console.log(
  `| worker / naive direct | ≥ ${TARGET_NAIVE} | ${overNaive.toFixed(2)} | ${overNaive >= TARGET_NAIVE ? "yes" : "no"} |`,
);
console.log(
  `| worker / sorted direct | ≥ ${TARGET_SORTED} | ${overSorted.toFixed(2)} | ${overSorted >= TARGET_SORTED ? "yes" : "no"} |`,
);
