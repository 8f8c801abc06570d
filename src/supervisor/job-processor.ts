import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Piscina } from "piscina";
import type { DocumentStore } from "../db/document-store.js";
import { triageDocument, type DocumentTriage } from "../db/document-triage.js";
import type { StatementQueryable } from "../db/queryable.js";
import type { ErrorCode } from "../errors/error-code.js";
import { ThreadCrashedError } from "../errors/thread-crashed-error.js";
import { describeError } from "../logging/describe-error.js";
import { jobLogger } from "../logging/job-logger.js";
import type { Logger } from "../logging/logger.js";
import type { JobOutcome, WorkerMetrics } from "../ops/worker-metrics.js";
import type { DocumentJobResult } from "../producer/document-job.js";
import { CancelFlag, type DocumentTask, type TaskResult } from "../protocol/thread-protocol.js";
import { documentTimeoutError } from "../errors/document-timeout-error.js";
import { startJobSpan } from "../telemetry/job-span.js";
import { DocumentTimeLimit } from "./document-time-limit.js";
import type { JobsInFlight } from "./jobs-in-flight.js";
import type { DependencyCircuits } from "./dependency-circuits.js";
import type { Dependency } from "../errors/dependency-unavailable-error.js";
import type { Shutdown } from "./shutdown.js";
import type { ThreadSlots } from "./thread-slots.js";

/** What the processor uses of a BullMQ job. */
export type QueueJob = Pick<
  Job,
  "id" | "data" | "attemptsMade" | "opts" | "moveToDelayed" | "updateProgress"
>;

export interface JobProcessorDeps {
  /** The thread pool (only its `run`). */
  readonly pool: Pick<Piscina, "run">;
  /** One per thread: a prefetched job waits here for one, and goes back at the drain if it never got one. */
  readonly slots: Pick<ThreadSlots, "acquire" | "release">;
  /**
   * The supervisor's own small connection pool: each job's document is looked up on it before the
   * job takes a thread, and claims a dead thread could not release are released on it.
   */
  readonly db: StatementQueryable;
  /** The documents' tables (ragworker's or rag-corp's), for those lookups and releases. */
  readonly store: DocumentStore;
  readonly logger: Logger;
  /**
   * The one shutdown path: once it is "terminating", a task still running is aborted, terminating
   * its thread (only for a thread that ignored the cancel flag past the grace: terminating one
   * inside native code is not safe).
   */
  readonly shutdown: Pick<Shutdown, "terminating">;
  readonly metrics: WorkerMetrics;
  /** DOCUMENT_TIMEOUT_MS: the task's flag is raised after this long... */
  readonly documentTimeoutMs: number;
  /** ...and its thread terminated this much later if the task has not returned by then. */
  readonly documentTimeoutGraceMs: number;
  /** Where each running job is, and its cancel flag (see CancellationWatch). */
  readonly inFlight: JobsInFlight;
  /** Opened when a task finds a dependency down; they pause fetching and probe. */
  readonly circuits: Pick<DependencyCircuits, "reportDown">;
  /** How long a job handed back for a dependency waits in the queue (DEPENDENCY_PROBE_MIN_MS). */
  readonly dependencyHandBackDelayMs: number;
}

function field(data: unknown, name: string): unknown {
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>)[name] : undefined;
}

/**
 * BullMQ's processor: forwards each job to a thread and turns the thread's answer into BullMQ's
 * decision — return (completed), UnrecoverableError (failed, no retry), Error (retry with
 * backoff) or DelayedError after moving the job back (drain deadline: no attempt spent).
 */
export function createJobProcessor(deps: JobProcessorDeps) {
  return async (job: QueueJob, token?: string): Promise<DocumentJobResult> => {
    const jobId = job.id ?? "unknown";
    const requestId = field(job.data, "requestId");
    const ids = {
      jobId,
      documentId: field(job.data, "documentId"),
      workspaceId: field(job.data, "workspaceId"),
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
    };
    // The job's trace span (null when tracing is off): it continues the API's traceparent, and
    // the thread's stage spans continue it.
    const span = startJobSpan({ ...ids, traceparent: field(job.data, "traceparent") });
    const task: JobTask = {
      ...ids,
      requestId: typeof requestId === "string" ? requestId : undefined,
      traceparent: span?.traceparent,
    };
    // Every line about this job, here and in the helpers below, goes through this child logger
    // (with the job span's trace_id and span_id when tracing is on).
    const idsLogger = jobLogger(deps.logger, {
      jobId,
      documentId: task.documentId,
      workspaceId: task.workspaceId,
      requestId: task.requestId,
    });
    const logger = span ? idsLogger.child(span.logFields) : idsLogger;
    // rag-corp's pair of lines around every job: one "iniciado", one "finalizado" whatever the outcome.
    const started = process.hrtime.bigint();
    logger.info({ attempt: task.attempt, max_attempts: task.maxAttempts }, "Worker job iniciado");
    try {
      const result = await runJob(job, token, task, { ...deps, logger });
      logFinished(logger, started, result.status, result.chunksCreated);
      span?.end(result.status);
      return result;
    } catch (error) {
      const status = finishedStatus(error, task);
      logFinished(logger, started, status, 0);
      // Handed back to the queue is no failure of the job's.
      span?.end(status, error instanceof DelayedError ? undefined : errorText(error));
      throw error;
    }
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function logFinished(logger: Logger, started: bigint, status: string, chunksCreated: number): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  logger.info(
    { status, chunks_created: chunksCreated, duration_seconds: Math.round(seconds * 1000) / 1000 },
    "Worker job finalizado",
  );
}

/**
 * The `status` of the "finalizado" line of a job that threw, as rag_worker_processed_total labels
 * it: PENDING when BullMQ runs it again or it was handed back at the drain deadline (either way
 * the document is PENDING again), FAILED when it is not run again.
 */
function finishedStatus(error: unknown, task: Pick<DocumentTask, "attempt" | "maxAttempts">): string {
  if (error instanceof DelayedError) return "PENDING";
  if (error instanceof UnrecoverableError) return "FAILED";
  return task.attempt < task.maxAttempts ? "PENDING" : "FAILED";
}

/** A job's task before it goes to a thread: its flags are made only for a job that does. */
type JobTask = Omit<DocumentTask, "timeLimitFlag" | "cancelledFlag">;

async function runJob(
  job: QueueJob,
  token: string | undefined,
  jobTask: JobTask,
  deps: JobProcessorDeps,
): Promise<DocumentJobResult> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  // A job that needs no work ends here, without a thread; one that does takes its row along.
  const triage = await lookUp(jobTask, deps);
  if (triage?.kind === "no-work") {
    deps.metrics.recordOutcome({ status: triage.status, chunksCreated: 0, stats: null }, seconds());
    return { status: triage.status, chunksCreated: 0 };
  }
  // A prefetched job waits for a thread; the drain sends it back before it ever had one.
  if (!(await deps.slots.acquire())) return handBackUnstarted(job, token, deps);
  const task: DocumentTask = {
    ...jobTask,
    timeLimitFlag: CancelFlag.create(),
    cancelledFlag: CancelFlag.create(),
    ...(triage ? { lookedUp: triage.document } : {}),
  };
  const willRetry = task.attempt < task.maxAttempts;
  let result: TaskResult;
  deps.metrics.taskStarted();
  deps.inFlight.add(task.jobId, job, task, task.cancelledFlag);
  const timeLimit = new DocumentTimeLimit(task.timeLimitFlag, deps);
  // Either signal aborts the task. Plain listeners rather than AbortSignal.any, whose weak
  // references and finalizers showed in the profile of jobs that need no work.
  const abortTask = new AbortController();
  const abort = () => abortTask.abort();
  const { terminating } = deps.shutdown;
  terminating.addEventListener("abort", abort, { once: true });
  timeLimit.signal.addEventListener("abort", abort, { once: true });
  if (terminating.aborted) abort();
  try {
    result = await deps.pool.run(task, { signal: abortTask.signal });
  } catch (error) {
    // The thread did not answer: which signal terminated it says why, or none did and it died.
    if (deps.shutdown.terminating.aborted) {
      deps.metrics.recordOutcome({ status: "PENDING", chunksCreated: 0, stats: null }, seconds());
      return handBack(job, token, task, deps, "drain");
    }
    if (timeLimit.signal.aborted) {
      deps.metrics.recordOutcome(
        { status: "FAILED", chunksCreated: 0, stats: null, fault: "thread-crash" },
        seconds(),
      );
      return timedOut(task, deps);
    }
    deps.metrics.recordOutcome(
      { status: willRetry ? "PENDING" : "FAILED", chunksCreated: 0, stats: null, fault: "thread-crash" },
      seconds(),
    );
    return threadFailed(task, new ThreadCrashedError(error), deps);
  } finally {
    // The thread is free now: the next prefetched job starts while this one is wrapped up.
    deps.slots.release();
    terminating.removeEventListener("abort", abort);
    timeLimit.clear();
    deps.inFlight.remove(task.jobId);
    deps.metrics.taskEnded();
  }
  deps.metrics.recordOutcome(jobOutcome(result, willRetry), seconds());
  switch (result.kind) {
    case "done":
      return { status: result.status, chunksCreated: result.chunksCreated };
    case "handed-back":
      return handBack(job, token, task, deps, "drain");
    case "dependency-down":
      deps.circuits.reportDown(result.dependency, result);
      return handBack(job, token, task, deps, result.dependency);
    case "failed-permanently":
      // A document failing for good is an outcome (the thread logged why).
      throw new UnrecoverableError(failureReason(result));
    case "failed-retryable":
    case "unexpected-error": {
      // rag-corp's exception, re-raised so the queue retries it; a bug is also logged as one.
      const reason = failureReason(result);
      if (result.kind === "unexpected-error") {
        deps.logger.error(
          { error: reason, will_retry: willRetry },
          "unexpected error in a thread (a bug); the job is retried as a failure",
        );
      }
      deps.logger.error(
        { error: reason, error_code: result.code, will_retry: willRetry },
        "Worker job falló con excepción",
      );
      throw new Error(reason);
    }
  }
}

/** The `CODE: message` every failed job carries as its reason (BullMQ's failedReason). */
function failureReason(failure: { readonly code: ErrorCode; readonly message: string }): string {
  return `${failure.code}: ${failure.message}`;
}

/** A thread's answer as the metrics count it: rag-corp's status label, and a bug counted as one. */
function jobOutcome(result: TaskResult, willRetry: boolean): JobOutcome {
  switch (result.kind) {
    case "done":
      return { status: result.status, chunksCreated: result.chunksCreated, stats: result.stats };
    case "handed-back":
    case "dependency-down":
      return { status: "PENDING", chunksCreated: 0, stats: result.stats };
    case "failed-permanently":
      return { status: "FAILED", chunksCreated: 0, stats: result.stats };
    case "failed-retryable":
      return { status: willRetry ? "PENDING" : "FAILED", chunksCreated: 0, stats: result.stats };
    case "unexpected-error":
      return {
        status: willRetry ? "PENDING" : "FAILED",
        chunksCreated: 0,
        stats: result.stats,
        fault: "unexpected-error",
      };
  }
}

/**
 * The document looked up on the supervisor's own connections, before the job takes a thread: most
 * jobs that need no work (a document deleted, missing, READY already) then cost no thread's
 * round trips. Null when the lookup failed: the thread looks the document up again and reports
 * what failed through its own path (an outage opens the database's circuit there), so this
 * shortcut adds no second error path.
 */
async function lookUp(task: JobTask, deps: JobProcessorDeps): Promise<DocumentTriage | null> {
  try {
    return await triageDocument(task, deps.db, deps.store, deps.logger);
  } catch (error) {
    deps.logger.debug({ err: describeError(error) }, "document lookup failed; the thread looks it up");
    return null;
  }
}

/**
 * A thread terminated at the time limit could not record the failure: it is recorded here, for
 * good, since the same document would run out of time again.
 */
async function timedOut(task: DocumentTask, deps: JobProcessorDeps): Promise<never> {
  const error = documentTimeoutError(deps.documentTimeoutMs);
  const message = failureReason(error);
  // The thread was terminated and replaced; `error` says it was the time limit.
  deps.logger.error(
    { error: message, will_retry: false, err: describeError(error) },
    "Worker job falló con excepción",
  );
  await releaseClaimForThread(task, deps, "FAILED", error.message, "could not record the time limit failure");
  throw new UnrecoverableError(message);
}

/**
 * A thread that died (crash, memory limit) could not release its claim: do it here so the
 * document is `PENDING` for the retry, or `FAILED` when this was the last attempt.
 */
async function threadFailed(
  task: DocumentTask,
  error: ThreadCrashedError,
  deps: JobProcessorDeps,
): Promise<never> {
  const willRetry = task.attempt < task.maxAttempts;
  const message = failureReason(error).slice(0, 500);
  deps.logger.error(
    { error: message, will_retry: willRetry, err: describeError(error.cause) },
    "Worker job falló con excepción",
  );
  await releaseClaimForThread(
    task,
    deps,
    willRetry ? "PENDING" : "FAILED",
    message,
    "could not release the claim of a crashed thread",
  );
  throw new Error(message);
}

/**
 * The job goes back to the queue without spending an attempt: at once at the drain deadline, or
 * a little later when a dependency is down (the circuit pauses fetching meanwhile; the delay
 * keeps other replicas, whose circuits are still closed, from taking it straight back).
 */
async function handBack(
  job: QueueJob,
  token: string | undefined,
  task: DocumentTask,
  deps: JobProcessorDeps,
  reason: "drain" | Dependency,
): Promise<never> {
  deps.metrics.recordHandBack(reason);
  if (reason === "drain") deps.logger.warn("drain deadline reached; handing the job back to the queue");
  // The outage itself is logged once by its circuit; per job it is detail.
  else deps.logger.debug({ dependency: reason }, "dependency down; handing the job back to the queue");
  await releaseClaimForThread(
    task,
    deps,
    "PENDING",
    null,
    "could not release the claim while handing back",
    // The database being down fails this for every job; its circuit says so once.
    reason === "drain" ? "error" : "debug",
  );
  await job.moveToDelayed(Date.now() + (reason === "drain" ? 0 : deps.dependencyHandBackDelayMs), token);
  throw new DelayedError();
}

/**
 * A prefetched job still waiting for a thread when the drain began: nothing of it ran, its document
 * was never claimed, so it goes straight back to the queue (no attempt spent) for any worker.
 */
async function handBackUnstarted(
  job: QueueJob,
  token: string | undefined,
  deps: JobProcessorDeps,
): Promise<never> {
  deps.metrics.recordHandBack("drain");
  deps.logger.info("draining; a prefetched job that had not started goes back to the queue");
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError();
}

/**
 * Releases a claim the thread could not release itself (it died, was terminated, or was cut off at
 * the drain deadline). A failure is logged, not thrown: the claim still names this job, so the
 * job's next run reclaims the document, and an expired claim can be taken over by any job.
 */
async function releaseClaimForThread(
  task: DocumentTask,
  deps: JobProcessorDeps,
  status: "PENDING" | "FAILED",
  errorMessage: string | null,
  failureLog: string,
  level: "error" | "debug" = "error",
): Promise<void> {
  if (typeof task.documentId !== "string") return;
  await deps.store
    .release(deps.db, { id: task.documentId, jobId: task.jobId, status, errorMessage })
    .catch((error: unknown) => {
      deps.logger[level]({ err: describeError(error) }, failureLog);
    });
}
