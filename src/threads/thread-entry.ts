import { BroadcastChannel, parentPort, threadId, workerData } from "node:worker_threads";
import { describeError } from "../logging/describe-error.js";
import { createLogger } from "../logging/logger.js";
import { lowerThreadPriority } from "./thread-priority.js";
import { JavaScriptDecompressionStream } from "./javascript-decompression-stream.js";
import {
  isThreadControlMessage,
  THREAD_CONTROL_CHANNEL,
  isDependencyProbeTask,
  type DocumentTask,
  type DependencyProbeResult,
  type DependencyProbeTask,
  type TaskResult,
  type ThreadData,
} from "../protocol/thread-protocol.js";
import { createPipeline } from "./pipeline-wiring.js";
import { startTracing } from "../telemetry/tracing.js";

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

/**
 * Piscina awaits this module's default export: the thread wires its pipeline here, once
 * (./pipeline-wiring.ts: database pool, storage, embedder and its probe), and every task after
 * that reuses it. What is the thread's own stays here: its priority, its unhandled rejections, the
 * start-up report to the supervisor and the control channel the supervisor closes threads through.
 */
async function initThread(): Promise<
  (task: DocumentTask | DependencyProbeTask) => Promise<TaskResult | DependencyProbeResult>
> {
  keepDecompressionOffNativeZlib();
  const data = workerData as ThreadData;
  const { config } = data;
  const logger = createLogger(
    config.logLevel,
    { module: "thread", thread: threadId },
    { json: config.logJson },
  );
  // The thread's own tracing SDK when an endpoint is set: its spans leave from here, off the
  // supervisor's event loop, and what is left is exported when the supervisor closes the thread.
  const tracing = startTracing(config.telemetry, logger, {
    "ragworker.role": "thread",
    "ragworker.thread": threadId,
  });
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
  const pipeline = await createPipeline(data, {
    threadId,
    logger,
    postProgress: (message) => parentPort?.postMessage(message),
  });
  // The supervisor refuses to start unless every thread reports "ready".
  const { report } = pipeline;
  parentPort?.postMessage(report);
  if (report.type === "refused") logger.error({ reason: report.reason }, "embedder probe failed");

  const control = new BroadcastChannel(THREAD_CONTROL_CHANNEL);
  // Must not keep the thread alive by itself: Piscina decides when threads end.
  control.unref();
  // The supervisor repeats its request until every thread answered: close once, answer each time.
  control.onmessage = (event) => {
    const message = (event as MessageEvent).data;
    if (!isThreadControlMessage(message) || message.type !== "close") return;
    void pipeline
      .close()
      .then(() => tracing?.shutdown())
      .then(() => control.postMessage({ type: "closed", threadId }));
  };
  if (pipeline.embedderModel !== null) {
    logger.info(
      { embedder: pipeline.embedderModel, storage: pipeline.storageDescription, nice },
      "thread ready",
    );
  }
  return (task) => (isDependencyProbeTask(task) ? pipeline.probe(task.dependency) : pipeline.run(task));
}

export default initThread();
