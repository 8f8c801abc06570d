/**
 * The supervisor↔thread protocol, the one module both sides import: what a thread is started
 * with (ThreadData), what it is given (DocumentTask) and returns (TaskResult) for each document,
 * the flags the supervisor raises in shared memory (CancelFlag; the embedding permits are a
 * SharedSemaphore, ./shared-semaphore.ts), and the messages besides tasks (each thread's start-up
 * report, the close request and its answers).
 */
import type { ThreadSettings } from "../config/thread-settings.js";
import type { DatabaseSchema } from "../db/database-schema.js";
import type { EmbeddingColumnKind } from "../db/embedding-column.js";
import type { LoadedDocument } from "../db/document-repository.js";
import type { Dependency } from "../errors/dependency-unavailable-error.js";
import type { ErrorCode } from "../errors/error-code.js";

/**
 * A flag the supervisor raises and a thread reads, in shared memory. Threads cannot be
 * terminated safely while inside a native call (onnxruntime aborts the whole process), so at the
 * drain deadline (one flag for every thread) or a document's time limit (one flag per task) they
 * are asked to stop at their next checkpoint instead.
 */
export class CancelFlag {
  private readonly view: Int32Array;

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(buffer: SharedArrayBuffer) {
    this.view = new Int32Array(buffer);
  }

  raise(): void {
    Atomics.store(this.view, 0, 1);
  }

  get raised(): boolean {
    return Atomics.load(this.view, 0) === 1;
  }
}

/** Passed to every thread as Piscina's `workerData`: plain data, cloned into each thread. */
export interface ThreadData {
  /** Only the settings threads read: no API keys, no RBAC, nothing of the supervisor's own. */
  readonly config: ThreadSettings;
  readonly columnKind: EmbeddingColumnKind;
  /** Whose tables the database has, as the supervisor found at start. */
  readonly schema: DatabaseSchema;
  /** Process-wide limit on concurrent embedding requests (a SharedArrayBuffer is shared, not copied). */
  readonly embeddingSemaphore: SharedArrayBuffer;
  /** Raised at the drain deadline: stop at the next checkpoint (see CancelFlag). */
  readonly cancelFlag: SharedArrayBuffer;
}

/** What the supervisor hands a thread: the job's data plus what the thread needs to decide retries. */
export interface DocumentTask {
  readonly jobId: string;
  readonly documentId: unknown;
  readonly workspaceId: unknown;
  readonly requestId: string | undefined;
  /** 1-based attempt number of this run, and how many the job has in all. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * This task's own CancelFlag, raised by the supervisor at the document time limit: the thread
   * stops at its next checkpoint and fails the document for good (DOCUMENT_TIMEOUT).
   */
  readonly timeLimitFlag: SharedArrayBuffer;
  /**
   * This task's CancelFlag for the user's cancel: raised by the supervisor when it sees the
   * document cancelled or deleted; the thread stops at its next checkpoint and writes nothing.
   */
  readonly cancelledFlag: SharedArrayBuffer;
  /**
   * The supervisor's job span as a W3C traceparent, when tracing is on: the thread's stage spans
   * (storage, extract, chunk, embed, persist) are its children, and its log lines carry its ids.
   */
  readonly traceparent?: string | undefined;
  /**
   * The document's row as the supervisor looked it up before the job took a thread (it needs
   * work): the thread goes straight to its claim. Absent when the supervisor's lookup failed; the
   * thread then looks the document up itself.
   */
  readonly lookedUp?: LoadedDocument | undefined;
}

/** Where a document is in the pipeline, as BullMQ's job progress and /metrics show it. */
export type ProgressStage = "downloading" | "extracting" | "chunking" | "embedding" | "writing";

export const PROGRESS_STAGES: readonly ProgressStage[] = [
  "downloading",
  "extracting",
  "chunking",
  "embedding",
  "writing",
];

/** A stage with how far it got: page i of n while extracting, chunk j of m while embedding. */
export interface JobProgress {
  readonly stage: ProgressStage;
  readonly current?: number;
  readonly total?: number;
}

/** What a thread posts (its `parentPort`) while it works on a job: throttled, see ProgressReporter. */
export interface TaskProgressMessage {
  readonly type: "progress";
  readonly jobId: string;
  readonly progress: JobProgress;
}

export function isTaskProgressMessage(value: unknown): value is TaskProgressMessage {
  if (typeof value !== "object" || value === null) return false;
  const { type, jobId, progress } = value as { type?: unknown; jobId?: unknown; progress?: unknown };
  if (type !== "progress" || typeof jobId !== "string") return false;
  if (typeof progress !== "object" || progress === null) return false;
  const stage = (progress as { stage?: unknown }).stage;
  return PROGRESS_STAGES.some((known) => known === stage);
}

/**
 * What a thread posts as it takes a document, unthrottled: which thread runs the job (progress
 * reports come 250 ms apart at most, and a short job sends none), for the operator page.
 */
export interface TaskStartedMessage {
  readonly type: "task-started";
  readonly jobId: string;
  readonly threadId: number;
}

export function isTaskStartedMessage(value: unknown): value is TaskStartedMessage {
  if (typeof value !== "object" || value === null) return false;
  const { type, jobId, threadId } = value as { type?: unknown; jobId?: unknown; threadId?: unknown };
  return type === "task-started" && typeof jobId === "string" && typeof threadId === "number";
}

export type PipelineStage = "read" | "extract" | "chunk" | "embed" | "persist";

/** Figures a thread measured for one document; the supervisor turns them into metrics. */
export interface TaskStats {
  readonly threadId: number;
  readonly bytes: number;
  readonly chunks: number;
  /** Distinct chunk texts embedded now, and those whose stored embedding was reused. */
  readonly embeddingsComputed: number;
  readonly embeddingsReused: number;
  /** rag-corp's embedding cache, per input position (rag_embedding_cache_{hit,miss}_total). */
  readonly embeddingCacheHits: number;
  readonly embeddingCacheMisses: number;
  /** Pages OCR read (scanned PDF pages, image pages), and the seconds it took over them. */
  readonly ocrPages: number;
  readonly ocrSeconds: number;
  readonly format: string | null;
  readonly stageSeconds: Partial<Record<PipelineStage, number>>;
  readonly injectionPatterns: Readonly<Record<string, number>>;
}

/** The figures of a task that did no work (answered before reading anything). */
export function emptyTaskStats(threadId: number): TaskStats {
  return {
    threadId,
    bytes: 0,
    chunks: 0,
    embeddingsComputed: 0,
    embeddingsReused: 0,
    embeddingCacheHits: 0,
    embeddingCacheMisses: 0,
    ocrPages: 0,
    ocrSeconds: 0,
    format: null,
    stageSeconds: {},
    injectionPatterns: {},
  };
}

/**
 * rag-corp's job outcomes (the `status` label of rag_worker_processed_total), and ragworker's own
 * CANCELLED (rag-corp has no label for it: its cancel does not stop the job).
 */
export type OutcomeStatus =
  "READY" | "INVALID" | "MISSING" | "PROCESSING" | "PENDING" | "FAILED" | "CANCELLED" | "UNKNOWN";

/**
 * What a thread answers for one document, each kind with one meaning. Errors do not survive the
 * trip between threads with their class and fields, so failures come back as data and the
 * supervisor turns them into BullMQ's decision:
 * - `done`: the document reached `status` (READY, or found INVALID, MISSING, FAILED, CANCELLED…);
 *   the job completes.
 * - `failed-permanently`: retrying cannot help; the job fails for good.
 * - `failed-retryable`: a transient failure that may be the document's own (a deadlock, a
 *   statement timeout); the job is retried while it has attempts left.
 * - `handed-back`: stopped at the drain deadline; the job goes back to the queue, no attempt spent.
 * - `dependency-down`: storage, the embedding service or the database is down (or refuses the
 *   deployment's credentials); the job goes back to the queue, no attempt spent, and that
 *   dependency's circuit opens.
 * - `unexpected-error`: the pipeline threw an error it does not know (a bug); retried like a
 *   retryable failure, and reported as a bug.
 */
export type TaskResult =
  | {
      readonly kind: "done";
      readonly status: OutcomeStatus;
      readonly chunksCreated: number;
      readonly stats: TaskStats;
    }
  | {
      readonly kind: "failed-permanently" | "failed-retryable" | "unexpected-error";
      readonly code: ErrorCode;
      readonly message: string;
      readonly stats: TaskStats;
    }
  | { readonly kind: "handed-back"; readonly stats: TaskStats }
  | {
      readonly kind: "dependency-down";
      readonly dependency: Dependency;
      readonly credentialsRejected: boolean;
      readonly code: ErrorCode;
      readonly message: string;
      readonly stats: TaskStats;
    };

export type TaskResultKind = TaskResult["kind"];

/**
 * What the supervisor's storage and embedding circuits send a thread instead of a document: try
 * the dependency with the thread's own client and credentials (a bucket HEAD, the probe text
 * embedded), and say whether it answered. The supervisor holds no such client itself.
 */
export interface DependencyProbeTask {
  readonly type: "probe";
  readonly dependency: "storage" | "embedding";
}

export type DependencyProbeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly credentialsRejected: boolean };

export function isDependencyProbeTask(value: unknown): value is DependencyProbeTask {
  if (typeof value !== "object" || value === null) return false;
  const { type, dependency } = value as { type?: unknown; dependency?: unknown };
  return type === "probe" && (dependency === "storage" || dependency === "embedding");
}

/**
 * Piscina has no per-thread teardown hook, so the supervisor and its threads talk over a named
 * BroadcastChannel: "close" asks every thread to close its pools, each answers "closed".
 */
export const THREAD_CONTROL_CHANNEL = "ragworker:thread-control";

export type ThreadControlMessage =
  { readonly type: "close" } | { readonly type: "closed"; readonly threadId: number };

export function isThreadControlMessage(value: unknown): value is ThreadControlMessage {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "close" || type === "closed";
}

/** The text each thread embeds at start, to check its embedder answers with EMBEDDING_DIM dimensions. */
export const EMBEDDER_PROBE_TEXT = "ragworker dimension probe";

/**
 * What each thread reports once at start, through Piscina's `message` event (the thread's
 * `parentPort`): its embedder loaded and embedded the probe text with EMBEDDING_DIM dimensions
 * ("ready"), or not ("refused", with the one line the supervisor refuses to start with).
 */
export type ThreadReport =
  | {
      readonly type: "ready";
      readonly threadId: number;
      readonly provider: string;
      readonly model: string;
      readonly dimension: number;
      /** Most tokens one input of the model holds, where the embedder knows it. */
      readonly maxInputTokens: number | null;
      /** Longest chunk the token chunker can make (a merged last chunk); null for the character chunker. */
      readonly longestChunkTokens: number | null;
    }
  | { readonly type: "refused"; readonly threadId: number; readonly reason: string };

export function isThreadReport(value: unknown): value is ThreadReport {
  if (typeof value !== "object" || value === null) return false;
  const { type, threadId } = value as { type?: unknown; threadId?: unknown };
  return (type === "ready" || type === "refused") && typeof threadId === "number";
}
