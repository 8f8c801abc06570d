/**
 * The same pipeline ragworker's threads run, wired by the threads' own code and loaded from the
 * build (dist/), so every contender runs the very same compiled code: `createPipeline`
 * (src/threads/pipeline-wiring.ts) with the thread data the supervisor would give its threads,
 * built from the same environment variables the worker reads. Types come from src.
 */
import type { Job, SandboxedJob } from "bullmq";
import type * as ConfigModule from "../../src/config/config.js";
import type * as ThreadSettingsModule from "../../src/config/thread-settings.js";
import type * as DependencyChecksModule from "../../src/supervisor/dependency-checks.js";
import type * as LoggerModule from "../../src/logging/logger.js";
import type * as PipelineWiringModule from "../../src/threads/pipeline-wiring.js";
import type * as ProtocolModule from "../../src/protocol/thread-protocol.js";
import type * as SemaphoreModule from "../../src/protocol/shared-semaphore.js";
import type { DocumentTask, ThreadData } from "../../src/protocol/thread-protocol.js";

async function fromDist<T>(path: string): Promise<T> {
  return (await import(new URL(`../../dist/${path}`, import.meta.url).href)) as T;
}

export interface CompiledPipeline {
  /** Runs one BullMQ job's document through the pipeline; throws like ragworker's processor would. */
  run(job: Job | SandboxedJob): Promise<{ status: string; chunksCreated: number }>;
  close(): Promise<void>;
}

export async function createCompiledPipeline(label: number): Promise<CompiledPipeline> {
  const { loadConfig } = await fromDist<typeof ConfigModule>("config/config.js");
  const { threadSettings } = await fromDist<typeof ThreadSettingsModule>("config/thread-settings.js");
  const { checkDatabase } = await fromDist<typeof DependencyChecksModule>("supervisor/dependency-checks.js");
  const { createLogger } = await fromDist<typeof LoggerModule>("logging/logger.js");
  const { createPipeline } = await fromDist<typeof PipelineWiringModule>("threads/pipeline-wiring.js");
  const { CancelFlag } = await fromDist<typeof ProtocolModule>("protocol/thread-protocol.js");
  const { SharedSemaphore } = await fromDist<typeof SemaphoreModule>("protocol/shared-semaphore.js");

  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, { module: "thread", thread: label }, { json: config.logJson });
  const { column, schema } = await checkDatabase(config.databaseUrl, config.embeddingDim, 5_000, {
    nodes: config.nodes.enabled,
  });
  // What the supervisor hands each of its threads (src/supervisor/thread-pool.ts). The cancel flag
  // is never raised: the contenders are never drained mid-document.
  const data: ThreadData = {
    config: threadSettings(config),
    columnKind: column.kind,
    schema,
    embeddingSemaphore: SharedSemaphore.create(config.embedding.maxConcurrency),
    cancelFlag: CancelFlag.create(),
  };
  const pipeline = await createPipeline(data, {
    threadId: label,
    logger,
    applicationName: `ragworker-bench-${label}`,
  });
  if (pipeline.report.type === "refused") {
    await pipeline.close();
    throw new Error(`bench contender ${label}: ${pipeline.report.reason}`);
  }
  // The contenders measure the pipeline, not the time limit or cancels: these flags are never raised.
  const timeLimitFlag = CancelFlag.create();
  const cancelledFlag = CancelFlag.create();
  return {
    async run(job) {
      const data = job.data as Record<string, unknown>;
      const task: DocumentTask = {
        jobId: job.id ?? "unknown",
        documentId: data["documentId"],
        workspaceId: data["workspaceId"],
        requestId: undefined,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        timeLimitFlag,
        cancelledFlag,
      };
      const result = await pipeline.run(task);
      // Never cancelled here, so never handed back; every other failure throws like the processor.
      if (result.kind === "handed-back") throw new Error("handed back");
      if (result.kind !== "done") throw new Error(`${result.code}: ${result.message}`);
      return { status: result.status, chunksCreated: result.chunksCreated };
    },
    close: () => pipeline.close(),
  };
}
