import type { ErrorCode } from "../errors/error-code.js";

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
