// A worker thread for onnx-embedder.test.ts: loads its own ONNX embedder, as a pool thread does,
// embeds workerData.texts and posts the vectors back. Plain JavaScript importing the compiled
// dist/ (run `npm run build` first), as pool threads run.
import { parentPort, workerData } from "node:worker_threads";

import { createOnnxEmbedder } from "../../dist/embed/onnx-embedder.js";

const { modelDir, texts, rounds } = workerData;

const embedder = await createOnnxEmbedder({ modelDir, intraOpThreads: 1 });
let vectors = [];
// Several rounds keep both threads inside onnxruntime at the same time.
for (let round = 0; round < rounds; round += 1) {
  vectors = await embedder.embed(texts);
}
await embedder.close();
parentPort.postMessage({ model: embedder.model, dimension: embedder.dimension, vectors });
