/**
 * One contender process besides ragworker itself, started by the benchmark with IPC:
 *   BENCH_MODE=in-process  a plain BullMQ Worker running the pipeline on its main thread;
 *   BENCH_MODE=sandboxed   BullMQ's sandboxed processor in worker threads (useWorkerThreads);
 *   BENCH_MODE=bare-noop   a bare BullMQ Worker whose processor does nothing (queue overhead).
 * Concurrency BENCH_CONCURRENCY; lock duration JOB_LOCK_MS like ragworker's; the rest of the
 * environment is ragworker's own (DATABASE_URL, STORAGE_URL, EMBEDDING_*, CHUNK_*).
 */
import { Worker, type Processor } from "bullmq";
import { Redis } from "ioredis";
import { createCompiledPipeline, type CompiledPipeline } from "./compiled-pipeline.js";

const mode = process.env["BENCH_MODE"];
const concurrency = Number(process.env["BENCH_CONCURRENCY"] ?? "1");
const lockDuration = Number(process.env["JOB_LOCK_MS"] ?? "30000");
const queueName = process.env["DOCUMENT_QUEUE_NAME"] ?? "documents";

let pipeline: CompiledPipeline | undefined;
let processor: Processor | string;
if (mode === "in-process") {
  const inProcess = await createCompiledPipeline(0);
  pipeline = inProcess;
  processor = (job) => inProcess.run(job);
} else if (mode === "sandboxed") {
  // Transpiled to JavaScript by the benchmark (bench/compile/bench-modules.ts).
  processor = process.env["BENCH_SANDBOXED_PROCESSOR"] ?? "";
} else if (mode === "bare-noop") {
  processor = () => Promise.resolve({ status: "MISSING", chunksCreated: 0 });
} else {
  throw new Error(`BENCH_MODE must be in-process, sandboxed or bare-noop, not ${String(mode)}`);
}

const connection = new Redis(process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: null,
});
const worker = new Worker(queueName, processor, {
  connection,
  concurrency,
  lockDuration,
  stalledInterval: lockDuration,
  useWorkerThreads: mode === "sandboxed",
});
worker.on("error", (error) => console.error(`bench ${mode} worker error: ${error.message}`));
await worker.waitUntilReady();
process.send?.({ type: "host:ready" });

process.once("SIGTERM", () => {
  void (async () => {
    await worker.close();
    await pipeline?.close();
    connection.disconnect();
    process.exit(0);
  })();
});
