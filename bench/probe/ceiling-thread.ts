/**
 * One bare worker thread of the machine's ceiling (bench/measure/cpu-ceiling.ts): the CPU half of
 * ragworker's pipeline and nothing else, loaded from the build (dist/) like every contender.
 * Per document: extract (the same `extractDocument` and limits), chunk (the same character
 * chunker and sizes), a SHA-256 per chunk (the pipeline's content hash) and the `hash` embedder in
 * batches of EMBEDDING_BATCH_SIZE. No queue, no database, no storage read: the files' bytes are
 * read into memory before the first round. Documents are claimed from a shared counter, as
 * threads take jobs from one queue, so a thread that finishes early takes the next one.
 *
 * workerData: { files: { path, fileName }[], env, counter: SharedArrayBuffer }.
 * Messages in: { type: "round", total } → processes documents until the counter reaches `total`,
 * then answers { type: "done", documents, chunks }. Posts { type: "ready" } once loaded.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import type * as ChunkModule from "../../src/chunk/chunk-by-characters.js";
import type * as ConfigModule from "../../src/config/config.js";
import type * as HashEmbedderModule from "../../src/embed/hash-embedder.js";
import type * as ExtractModule from "../../src/extract/extract-document.js";
import type * as ExtractOptionsModule from "../../src/extract/extract-options.js";

async function fromDist<T>(path: string): Promise<T> {
  return (await import(new URL(`../../dist/${path}`, import.meta.url).href)) as T;
}

interface CeilingThreadData {
  readonly files: ReadonlyArray<{ readonly path: string; readonly fileName: string }>;
  readonly env: Record<string, string>;
  readonly counter: SharedArrayBuffer;
}

const data = workerData as CeilingThreadData;
const { loadConfig } = await fromDist<typeof ConfigModule>("config/config.js");
const { extractDocument } = await fromDist<typeof ExtractModule>("extract/extract-document.js");
const { DEFAULT_EXTRACT_OPTIONS } = await fromDist<typeof ExtractOptionsModule>("extract/extract-options.js");
const { chunkByCharacters } = await fromDist<typeof ChunkModule>("chunk/chunk-by-characters.js");
const { createHashEmbedder } = await fromDist<typeof HashEmbedderModule>("embed/hash-embedder.js");

const config = loadConfig(data.env);
const embedder = createHashEmbedder(config.embeddingDim);
const files = await Promise.all(
  data.files.map(async (file) => ({
    fileName: file.fileName,
    bytes: new Uint8Array(await readFile(file.path)),
  })),
);
const counter = new Int32Array(data.counter);

async function processOne(bytes: Uint8Array, fileName: string): Promise<number> {
  const { document } = await extractDocument(bytes, null, fileName, {
    ...DEFAULT_EXTRACT_OPTIONS,
    maxPages: config.maxPages,
    maxUncompressedBytes: config.maxArchiveUncompressedBytes,
    maxCompressionRatio: config.maxArchiveCompressionRatio,
  });
  const chunks = chunkByCharacters(document, {
    size: config.chunkSize,
    overlap: config.chunkOverlap,
    maxChunks: config.maxChunks,
    maxExtractedChars: config.maxExtractedChars,
  });
  const contents = chunks.map((chunk) => chunk.content);
  for (const content of contents) createHash("sha256").update(content).digest("hex");
  for (let start = 0; start < contents.length; start += config.embeddingBatchSize) {
    await embedder.embed(contents.slice(start, start + config.embeddingBatchSize));
  }
  return chunks.length;
}

parentPort?.on("message", (message: { type: string; total: number }) => {
  if (message.type !== "round") return;
  void (async () => {
    let documents = 0;
    let chunks = 0;
    for (let index = Atomics.add(counter, 0, 1); index < message.total; index = Atomics.add(counter, 0, 1)) {
      const file = files[index % files.length];
      if (!file) break;
      chunks += await processOne(file.bytes, file.fileName);
      documents += 1;
    }
    parentPort?.postMessage({ type: "done", documents, chunks });
  })();
});
parentPort?.postMessage({ type: "ready" });
