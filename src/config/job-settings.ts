import { integer, milliseconds } from "./readers.js";
import { readGroup, setting } from "./setting.js";

/** How one document job runs: its time limit, its claim, its attempts, its thread. */
export const JOB_SETTINGS = {
  documentTimeoutMs: setting("DOCUMENT_TIMEOUT_MS", milliseconds(10, 86_400_000), {
    default: "300000",
    describe:
      'time limit per document: `FAILED` `DOCUMENT_TIMEOUT`, not retried (see "Limits"); with its grace, shorter than `CLAIM_TTL_MS`',
  }),
  documentTimeoutGraceMs: setting("DOCUMENT_TIMEOUT_GRACE_MS", milliseconds(0, 600_000), {
    default: "5000",
    describe:
      "after the time limit, how long the document's thread gets to stop at a checkpoint before it is terminated and replaced",
  }),
  claimTtlMs: setting("CLAIM_TTL_MS", milliseconds(1000, 86_400_000), {
    default: "600000",
    describe:
      "a `PROCESSING` claim older than this may be taken over by another job; must exceed `DOCUMENT_TIMEOUT_MS` + `DOCUMENT_TIMEOUT_GRACE_MS`, the longest a live job holds it",
  }),
  cancelCheckIntervalMs: setting("CANCEL_CHECK_INTERVAL_MS", milliseconds(50, 60_000), {
    default: "1000",
    describe:
      "how often the supervisor looks for its running documents cancelled or deleted by the API (one query for all); a cancelled document's thread stops at its next checkpoint after that",
  }),
  jobAttempts: setting("JOB_ATTEMPTS", integer(1, 100), {
    default: "5",
    describe:
      "attempts (with exponential backoff from 1 s) of the jobs `ragworker ingest` enqueues, and of `DocumentProducer`'s unless the API passes its own",
  }),
  jobLockMs: setting("JOB_LOCK_MS", milliseconds(1000, 3_600_000), {
    default: "30000",
    describe:
      "BullMQ lock duration and stalled-check interval: a killed worker's jobs are picked up again after about this long",
  }),
  workerPrefetch: setting("WORKER_PREFETCH", integer(0, 64), {
    default: "1",
    describe:
      "jobs fetched ahead of the threads (BullMQ concurrency is `WORKER_THREADS` plus this), so a thread that finishes starts its next job without waiting for Redis; at the drain they go back to the queue at once, untouched, no attempt spent; `0`: none",
  }),
  threadMaxHeapMb: setting("THREAD_MAX_HEAP_MB", integer(32, 65_536, "megabytes"), {
    default: "2048",
    describe:
      "heap limit of each thread: a file that exhausts it kills that thread (the job is retried, then `FAILED` with `THREAD_CRASHED: … memory limit`), never the supervisor",
  }),
  threadNice: setting("THREAD_NICE", integer(0, 19), {
    default: "10",
    describe:
      "nice steps the pool threads run below the supervisor (Linux): when the cores are saturated, lock renewals and `/metrics` are served first; `0` leaves them alone",
  }),
};

/** The job settings with nothing set (JOB_ATTEMPTS' default is the producer's too). */
export const JOB_DEFAULTS = readGroup({}, JOB_SETTINGS);
