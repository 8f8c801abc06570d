/**
 * The same pipeline ragworker's threads run, loaded from the build (dist/), so every contender
 * runs the very same compiled code: `processDocument` with a pg pool, storage and embedder built
 * from the same environment variables the worker reads. Types come from src.
 */
import type { Job, SandboxedJob } from "bullmq";
import type * as ConfigModule from "../../src/config/config.js";
import type * as CreateEmbedderModule from "../../src/embed/create-embedder.js";
import type * as DependencyChecksModule from "../../src/supervisor/dependency-checks.js";
import type * as DocumentStoreModule from "../../src/db/document-store.js";
import type * as LoggerModule from "../../src/logging/logger.js";
import type * as PgPoolModule from "../../src/db/pg-pool.js";
import type * as ProcessDocumentModule from "../../src/threads/process-document.js";
import type * as SemaphoreModule from "../../src/protocol/shared-semaphore.js";
import type * as StorageModule from "../../src/storage/create-storage.js";
import type { DocumentTask } from "../../src/protocol/thread-protocol.js";

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
  const { createEmbedder } = await fromDist<typeof CreateEmbedderModule>("embed/create-embedder.js");
  const { checkDatabase } = await fromDist<typeof DependencyChecksModule>("supervisor/dependency-checks.js");
  const { createLogger } = await fromDist<typeof LoggerModule>("logging/logger.js");
  const { createPgPool } = await fromDist<typeof PgPoolModule>("db/pg-pool.js");
  const { processDocument } = await fromDist<typeof ProcessDocumentModule>("threads/process-document.js");
  const { SharedSemaphore } = await fromDist<typeof SemaphoreModule>("protocol/shared-semaphore.js");
  const { createStorage } = await fromDist<typeof StorageModule>("storage/create-storage.js");

  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, { module: "thread", thread: label }, { json: config.logJson });
  const { column, schema } = await checkDatabase(config.databaseUrl, config.embeddingDim, 5_000);
  const { documentStore } = await fromDist<typeof DocumentStoreModule>("db/document-store.js");
  const pool = createPgPool({
    url: config.databaseUrl,
    min: config.dbPoolMin,
    max: config.dbPoolMax,
    applicationName: `ragworker-bench-${label}`,
    logger,
  });
  const embedder = await createEmbedder(
    config,
    SharedSemaphore.create(config.embedding.maxConcurrency),
    logger,
  );
  const deps = {
    pool,
    storage: createStorage(config.storageUrl),
    embedder,
    store: documentStore(schema),
    config,
    columnKind: column.kind,
    logger,
    threadId: label,
    cancelled: () => false,
    // The contenders measure the pipeline, not the time limit: no document is ever out of time.
    timedOut: () => false,
  };
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
        timeLimitFlag: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT),
      };
      const result = await processDocument(task, deps);
      // Never cancelled here, so never handed back; every other failure throws like the processor.
      if (result.kind === "handed-back") throw new Error("INTERRUPTED: handed back");
      if (result.kind !== "done") throw new Error(`${result.code}: ${result.message}`);
      return { status: result.status, chunksCreated: result.chunksCreated };
    },
    async close() {
      await pool.end();
      await embedder.close?.();
    },
  };
}
