// A worker thread for openai-embedder.test.ts: builds its own embedder over the shared semaphore
// buffer from workerData, as a pool thread does, and embeds `calls` batches at once. Plain
// JavaScript importing the compiled dist/ (run `npm run build` first), as pool threads run.
import { parentPort, workerData } from "node:worker_threads";

import { createOpenAiEmbedder } from "../../dist/embed/openai-embedder.js";
import { SharedSemaphore } from "../../dist/protocol/shared-semaphore.js";

const { url, semaphoreBuffer, calls, dimension, thread } = workerData;

const embedder = createOpenAiEmbedder({
  url,
  model: "test-model",
  dimension,
  timeoutMs: 5000,
  maxRetries: 0,
  semaphore: new SharedSemaphore(semaphoreBuffer),
});

const batches = Array.from({ length: calls }, (_, call) => [`thread ${thread} call ${call}`]);
const results = await Promise.all(batches.map((batch) => embedder.embed(batch)));
parentPort.postMessage({ thread, vectors: results.map((vectors) => vectors.length) });
