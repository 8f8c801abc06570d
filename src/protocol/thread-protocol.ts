/**
 * The supervisor↔thread protocol, the one module both sides import: what a thread is started
 * with (ThreadData), what it is given (DocumentTask) and returns (TaskResult) for each document,
 * the flags the supervisor raises in shared memory (CancelFlag), and the messages besides tasks
 * (a thread's start-up report, the close request and its answers).
 */
import type { Config } from "../config/config.js";
import type { DatabaseSchema } from "../db/database-schema.js";
import type { EmbeddingColumnKind } from "../db/embedding-column.js";
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
  readonly config: Config;
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
  readonly format: string | null;
  readonly stageSeconds: Partial<Record<PipelineStage, number>>;
  readonly injectionPatterns: Readonly<Record<string, number>>;
}

/** rag-corp's job outcomes (the `status` label of rag_worker_processed_total). */
export type OutcomeStatus = "READY" | "INVALID" | "MISSING" | "PROCESSING" | "PENDING" | "FAILED" | "UNKNOWN";

/**
 * Errors do not survive the trip between threads with their class and fields, so a thread
 * returns failures as data and the supervisor turns them back into BullMQ's retry decision.
 */
export type TaskResult =
  | {
      readonly ok: true;
      readonly status: OutcomeStatus;
      readonly chunksCreated: number;
      readonly stats: TaskStats;
    }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly message: string;
      readonly retryable: boolean;
      readonly stats: TaskStats;
    };

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
