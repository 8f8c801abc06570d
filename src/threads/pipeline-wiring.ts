/**
 * The document pipeline as a pool thread wires it, from the thread's data alone: its database
 * pool, its storage (S3 settings included), its embedder (loaded and probed), the documents'
 * tables, and the flags that stop a task. thread-entry.ts runs it in each Piscina thread; the
 * benchmark's contenders run the very same wiring (bench/contenders/compiled-pipeline.ts), so
 * what they measure cannot drift from what the worker does.
 */
import { documentStore } from "../db/document-store.js";
import { createPgPool, warmPool } from "../db/pg-pool.js";
import { createEmbedder } from "../embed/create-embedder.js";
import type { Embedder } from "../embed/embedder.js";
import { describeError } from "../logging/describe-error.js";
import { jobLogger } from "../logging/job-logger.js";
import type { Logger } from "../logging/logger.js";
import {
  CancelFlag,
  emptyTaskStats,
  type DocumentTask,
  type TaskResult,
  type ThreadData,
  type ThreadReport,
  type TaskProgressMessage,
  type TaskStartedMessage,
  type DependencyProbeResult,
  type DependencyProbeTask,
  EMBEDDER_PROBE_TEXT,
} from "../protocol/thread-protocol.js";
import { createStorage } from "../storage/create-storage.js";
import { embedderFailed, probeEmbedder } from "./embedder-probe.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import { processDocument } from "./process-document.js";
import { ProgressReporter } from "./progress-reporter.js";

export interface PipelineOptions {
  /** Names the thread in its stats, its report and (by default) its database connections. */
  readonly threadId: number;
  readonly logger: Logger;
  /** pg_stat_activity's application_name; `ragworker-thread-<threadId>` unless given. */
  readonly applicationName?: string;
  /** Where a task's start and progress go (the thread's parentPort); dropped when absent. */
  readonly postProgress?: (message: TaskProgressMessage | TaskStartedMessage) => void;
}

export interface Pipeline {
  /** The embedder probe's answer: what the thread reports to the supervisor at start. */
  readonly report: ThreadReport;
  /** The embedder's model, or null when it failed to load (every task then fails retryable). */
  readonly embedderModel: string | null;
  /** Where documents are read from (for the "thread ready" line). */
  readonly storageDescription: string;
  /** One document, start to end; never throws for a document's own failure (see TaskResult). */
  run(task: DocumentTask): Promise<TaskResult>;
  /** A circuit's probe: the storage answers, or the probe text is embedded, by this thread's clients. */
  probe(dependency: DependencyProbeTask["dependency"]): Promise<DependencyProbeResult>;
  /** Closes the database pool, the embedder and the storage; logs (does not throw) a failure. */
  close(): Promise<void>;
}

/**
 * Opens the thread's pools and loads its embedder, once; every task after that reuses them.
 * A failed embedder does not throw: the report says "refused", and every task answers a
 * retryable failure (the job goes back untouched) rather than the thread crashing in a loop.
 */
export async function createPipeline(data: ThreadData, options: PipelineOptions): Promise<Pipeline> {
  const { config, columnKind, schema, embeddingSemaphore, cancelFlag } = data;
  const { threadId, logger } = options;
  const cancel = new CancelFlag(cancelFlag);
  const pool = createPgPool({
    url: config.databaseUrl,
    min: config.dbPoolMin,
    max: config.dbPoolMax,
    applicationName: options.applicationName ?? `ragworker-thread-${threadId}`,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    logger,
  });
  // A database that is down now may be back by the first task: the pool connects lazily then.
  await warmPool(pool, config.dbPoolMin).catch((error: unknown) => {
    logger.warn({ err: describeError(error) }, "could not open database connections at thread start");
  });
  const storage = createStorage(config.storageUrl, config.s3);
  // The embedder is loaded and probed here, in the thread, never in the supervisor.
  let embedder: Embedder | undefined;
  let report: ThreadReport;
  try {
    embedder = await createEmbedder(config, embeddingSemaphore, logger);
    report = await probeEmbedder(embedder, config, threadId);
  } catch (error) {
    report = { type: "refused", threadId, reason: embedderFailed(config, error) };
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    // Asked more than once (the supervisor repeats its close request): closed once.
    closing ??= Promise.all([pool.end(), embedder?.close?.(), storage.close?.()]).then(
      () => undefined,
      (error: unknown) => logger.warn({ err: describeError(error) }, "error while closing the thread"),
    );
    return closing;
  };

  if (!embedder) {
    const reason = report.type === "refused" ? report.reason : "no embedder";
    return {
      report,
      embedderModel: null,
      storageDescription: storage.description,
      run: async () => ({
        kind: "failed-retryable",
        code: "EMBEDDING_UNAVAILABLE",
        message: reason,
        stats: emptyTaskStats(threadId),
      }),
      probe: async (dependency) =>
        dependency === "storage"
          ? probeResult(() => storage.probe())
          : { ok: false, reason, credentialsRejected: false },
      close,
    };
  }

  const deps = {
    pool,
    storage,
    embedder,
    store: documentStore(schema),
    config,
    columnKind,
    logger,
    threadId,
    cancelled: () => cancel.raised,
  };
  return {
    report,
    embedderModel: embedder.model,
    storageDescription: storage.description,
    run(task) {
      const timeLimit = new CancelFlag(task.timeLimitFlag);
      const cancelledByUser = new CancelFlag(task.cancelledFlag);
      const { postProgress } = options;
      postProgress?.({ type: "task-started", jobId: task.jobId, threadId });
      const reporter = postProgress
        ? new ProgressReporter((progress) => postProgress({ type: "progress", jobId: task.jobId, progress }))
        : null;
      const taskLogger = jobLogger(logger, {
        jobId: task.jobId,
        documentId: task.documentId,
        workspaceId: task.workspaceId,
        requestId: task.requestId,
      });
      return processDocument(task, {
        ...deps,
        logger: taskLogger,
        timedOut: () => timeLimit.raised,
        cancelledByUser: () => cancelledByUser.raised,
        progress: (progress) => reporter?.report(progress),
      });
    },
    probe: (dependency) =>
      probeResult(async () => {
        if (dependency === "storage") await storage.probe();
        else await embedder.embed([EMBEDDER_PROBE_TEXT]);
      }),
    close,
  };
}

/** A probe's outcome as data: errors do not cross the thread boundary with their class. */
async function probeResult(probe: () => Promise<void>): Promise<DependencyProbeResult> {
  try {
    await probe();
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof Error ? error.message : String(error),
      credentialsRejected: error instanceof DependencyUnavailableError && error.credentialsRejected,
    };
  }
}
