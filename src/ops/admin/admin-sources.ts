import type { Queue } from "bullmq";

/**
 * What the operator web view (/admin) reads, in types ops owns: the supervisor fills them from its
 * jobs in flight, its thread pool and its reconciler (src/supervisor/thread-activity.ts), so ops
 * never reaches into the supervisor.
 */
export interface AdminSources {
  /** The queue Bull Board lists and the failures and retries of the worker page come from. */
  readonly queue: Queue;
  readonly threads: () => ThreadsView;
  readonly reconciler: () => ReconcilerView;
}

/** One job a thread is running now, where its thread last said it was. */
export interface RunningJobView {
  readonly jobId: string;
  /** null when the job's data has no valid id (its thread answers INVALID at once). */
  readonly documentId: string | null;
  readonly workspaceId: string | null;
  /** Node's threadId of the thread running it; null until the thread says it took the task. */
  readonly threadId: number | null;
  /** "starting" until the thread reports a pipeline stage. */
  readonly stage: string;
  /** How far the stage got (page i of n, chunk j of m), when the thread said. */
  readonly current: number | null;
  readonly total: number | null;
  /** Epoch milliseconds: when a thread was given the job, and when it entered this stage. */
  readonly startedAt: number;
  readonly stageSince: number;
}

export interface ThreadsView {
  /** Node threadIds of the pool's live threads. */
  readonly threadIds: readonly number[];
  /** WORKER_THREADS: how many threads the pool keeps. */
  readonly size: number;
  readonly running: readonly RunningJobView[];
  /** Jobs fetched ahead (WORKER_PREFETCH) waiting for a free thread. */
  readonly waitingForThread: number;
}

/** The reconciler as this replica knows it. */
export interface ReconcilerView {
  /** off: RECONCILE_INTERVAL_MS=0; following: another replica holds the lock; leading: this one. */
  readonly state: "off" | "following" | "leading";
  readonly intervalMs: number;
  /** The last pass this replica ran as the leader; null before the first. */
  readonly lastPass: ReconcilePassView | null;
}

export interface ReconcilePassView {
  /** Epoch milliseconds when the pass ended. */
  readonly at: number;
  /** Candidates found: PENDING documents without a job, PROCESSING ones whose claim expired. */
  readonly pendingWithoutJob: number;
  readonly processingClaimExpired: number;
  /** Candidates left alone: a live job has them, or another replica took them. */
  readonly withLiveJob: number;
  readonly takenByAnotherReplica: number;
  /** Jobs enqueued for them, and enqueues that failed. */
  readonly enqueued: number;
  readonly enqueueFailures: number;
}
