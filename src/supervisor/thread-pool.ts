import { Piscina } from "piscina";
import type { Config } from "../config/config.js";
import { threadSettings } from "../config/thread-settings.js";
import type { DatabaseSchema } from "../db/database-schema.js";
import type { EmbeddingColumnKind } from "../db/embedding-column.js";
import { SharedSemaphore } from "../protocol/shared-semaphore.js";
import type { ThreadData } from "../protocol/thread-protocol.js";

/**
 * A fixed-size pool: threads hold a database pool and a model each, so they are kept alive
 * (min = max, no idle timeout) rather than churned.
 */
export function createThreadPool(
  config: Config,
  database: { columnKind: EmbeddingColumnKind; schema: DatabaseSchema },
  shared: { cancelFlag: SharedArrayBuffer },
): Piscina {
  // Embedding requests are limited across every thread: one semaphore in shared memory.
  const embeddingSemaphore = SharedSemaphore.create(config.embedding.maxConcurrency);
  const workerData: ThreadData = {
    config: threadSettings(config),
    ...database,
    ...shared,
    embeddingSemaphore,
  };
  return new Piscina({
    filename: new URL("../threads/thread-entry.js", import.meta.url).href,
    minThreads: config.threads,
    maxThreads: config.threads,
    idleTimeout: Number.MAX_SAFE_INTEGER,
    concurrentTasksPerWorker: 1,
    // "sync" atomics park idle threads in Atomics.wait, where their event loops cannot run: pg
    // keep-alives, pool error events and the close broadcast would all wait for the next task.
    atomics: "async",
    workerData,
    // A thread over this limit is terminated and its task rejected; Piscina starts a new one.
    resourceLimits: { maxOldGenerationSizeMb: config.threadMaxHeapMb },
  });
}
