import { BroadcastChannel, parentPort, threadId, workerData } from "node:worker_threads";
import { documentStore } from "../db/document-store.js";
import { createPgPool, warmPool } from "../db/pg-pool.js";
import { createEmbedder } from "../embed/create-embedder.js";
import type { Embedder } from "../embed/embedder.js";
import { describeError } from "../logging/describe-error.js";
import { jobLogger } from "../logging/job-logger.js";
import { createLogger } from "../logging/logger.js";
import { createStorage } from "../storage/create-storage.js";
import { processDocument } from "./process-document.js";
import { lowerThreadPriority } from "./thread-priority.js";
import { JavaScriptDecompressionStream } from "./javascript-decompression-stream.js";
import {
  CancelFlag,
  isThreadControlMessage,
  THREAD_CONTROL_CHANNEL,
  type DocumentTask,
  type TaskResult,
  type TaskStats,
  type ThreadData,
  type ThreadReport,
} from "../protocol/thread-protocol.js";
import { embedderFailed, probeEmbedder } from "./embedder-probe.js";

/**
 * Parsers inflate with the global DecompressionStream when there is one (pdf.js for its streams,
 * file-type to look inside zip containers), and in Node that is a node:zlib handle. A thread
 * terminated at the document time limit while such a handle is being set up takes the whole
 * process down at thread teardown (node_zlib.cc "close before init", SIGABRT; seen with Node
 * 20.20 on a 1000-page PDF). The thread's global is replaced by one that inflates in JavaScript,
 * which termination cannot break. Native work a thread can still be terminated in (onnxruntime,
 * node:zlib called directly) keeps the hazard: see DOCUMENT_TIMEOUT_GRACE_MS in the README.
 */
function keepDecompressionOffNativeZlib(): void {
  Object.defineProperty(globalThis, "DecompressionStream", {
    value: JavaScriptDecompressionStream,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

function emptyStats(thread: number): TaskStats {
  return {
    threadId: thread,
    bytes: 0,
    chunks: 0,
    embeddingsComputed: 0,
    embeddingsReused: 0,
    embeddingCacheHits: 0,
    embeddingCacheMisses: 0,
    format: null,
    stageSeconds: {},
    injectionPatterns: {},
  };
}

/**
 * Piscina awaits this module's default export: the thread opens its database pool and loads its
 * embedder here, once, and every task after that reuses them.
 */
async function initThread(): Promise<(task: DocumentTask) => Promise<TaskResult>> {
  keepDecompressionOffNativeZlib();
  const { config, columnKind, schema, embeddingSemaphore, cancelFlag } = workerData as ThreadData;
  const cancel = new CancelFlag(cancelFlag);
  const logger = createLogger(
    config.logLevel,
    { module: "thread", thread: threadId },
    { json: config.logJson },
  );
  // Parsing and embedding may take every core; the supervisor's event loop renews job locks and
  // answers /metrics and /readyz, so it should win the CPU when both want it. Measured with two
  // threads on PDFs: /metrics p50 11 → 7 ms, p99 36 → 25 ms, documents/s within noise.
  const nice = config.threadNice > 0 ? lowerThreadPriority(config.threadNice) : null;
  // Some parsers leave side promises to reject unobserved (pdf.js does on a broken xref table,
  // alongside rejecting the call the pipeline awaits). Node would kill the thread for it, failing
  // a corrupt file as a crash and retrying it; logged instead, the awaited call's error decides.
  process.on("unhandledRejection", (reason) => {
    logger.warn({ err: describeError(reason) }, "unhandled promise rejection in the thread (ignored)");
  });
  const pool = createPgPool({
    url: config.databaseUrl,
    min: config.dbPoolMin,
    max: config.dbPoolMax,
    applicationName: `ragworker-thread-${threadId}`,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    logger,
  });
  // A database that is down now may be back by the first task: the pool connects lazily then.
  await warmPool(pool, config.dbPoolMin).catch((error: unknown) => {
    logger.warn({ err: describeError(error) }, "could not open database connections at thread start");
  });
  const storage = createStorage(config.storageUrl, config.s3);
  // The embedder is loaded and probed here, in the thread, never in the supervisor; the result is
  // reported to the supervisor, which refuses to start unless every thread reports "ready".
  let embedder: Embedder | undefined;
  let report: ThreadReport;
  try {
    embedder = await createEmbedder(config, embeddingSemaphore, logger);
    report = await probeEmbedder(embedder, config, threadId);
  } catch (error) {
    report = { type: "refused", threadId, reason: embedderFailed(config, error) };
  }
  parentPort?.postMessage(report);
  if (report.type === "refused") logger.error({ reason: report.reason }, "embedder probe failed");

  const control = new BroadcastChannel(THREAD_CONTROL_CHANNEL);
  // Must not keep the thread alive by itself: Piscina decides when threads end.
  control.unref();
  // The supervisor repeats its request until every thread answered: close once, answer each time.
  let closing: Promise<void> | undefined;
  control.onmessage = (event) => {
    const data = (event as MessageEvent).data;
    if (!isThreadControlMessage(data) || data.type !== "close") return;
    closing ??= Promise.all([pool.end(), embedder?.close?.(), storage.close?.()]).then(
      () => undefined,
      (error: unknown) => logger.warn({ err: describeError(error) }, "error while closing the thread"),
    );
    void closing.then(() => control.postMessage({ type: "closed", threadId }));
  };
  if (!embedder) {
    // No embedder (a replacement thread whose model or service failed to load): every task goes
    // back to the queue as a retryable failure, untouched, rather than the thread crashing in a loop.
    const reason = report.type === "refused" ? report.reason : "no embedder";
    return async () => ({
      kind: "failed-retryable",
      code: "EMBEDDING_UNAVAILABLE",
      message: reason,
      stats: emptyStats(threadId),
    });
  }
  logger.info({ embedder: embedder.model, storage: storage.description, nice }, "thread ready");

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
  return (task) => {
    const timeLimit = new CancelFlag(task.timeLimitFlag);
    const taskLogger = jobLogger(logger, {
      jobId: task.jobId,
      documentId: task.documentId,
      workspaceId: task.workspaceId,
      requestId: task.requestId,
    });
    return processDocument(task, { ...deps, logger: taskLogger, timedOut: () => timeLimit.raised });
  };
}

export default initThread();
