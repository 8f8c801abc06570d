/**
 * BullMQ's sandboxed processor for the "BullMQ sandboxed" contender: BullMQ loads this file in
 * each of its worker threads (`useWorkerThreads: true`), where it builds its own pipeline once.
 */
import type { SandboxedJob } from "bullmq";
import { threadId } from "node:worker_threads";
import { createCompiledPipeline } from "./compiled-pipeline.js";

const pipeline = await createCompiledPipeline(threadId);

export default function process(job: SandboxedJob): Promise<{ status: string; chunksCreated: number }> {
  return pipeline.run(job);
}
