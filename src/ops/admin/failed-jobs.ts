import type { Job, Queue } from "bullmq";
import { withTimeout } from "../with-timeout.js";
import { jobDataString, REDIS_READ_TIMEOUT_MS } from "./job-reads.js";

/** How many of the latest failed jobs the worker page lists. */
export const FAILURES_SHOWN = 20;

/** A job BullMQ failed for good (its attempts spent, or a permanent error), latest first. */
export interface FailureView {
  readonly jobId: string;
  readonly documentId: string | null;
  readonly workspaceId: string | null;
  /** The stable error code the reason starts with (`STORAGE_NOT_FOUND: …`), when it does. */
  readonly code: string | null;
  readonly reason: string;
  /** Epoch milliseconds; null when BullMQ did not record it. */
  readonly failedAt: number | null;
  readonly attemptsMade: number;
}

function failureView(job: Job): FailureView {
  const reason = job.failedReason ?? "";
  return {
    jobId: job.id ?? "",
    documentId: jobDataString(job.data, "documentId"),
    workspaceId: jobDataString(job.data, "workspaceId"),
    code: /^([A-Z][A-Z0-9_]+):/.exec(reason)?.[1] ?? null,
    reason,
    failedAt: job.finishedOn ?? null,
    attemptsMade: job.attemptsMade,
  };
}

/** The latest failed jobs of the queue, newest first. */
export async function recentFailures(queue: Queue, limit = FAILURES_SHOWN): Promise<FailureView[]> {
  const jobs = await withTimeout(queue.getFailed(0, limit - 1), REDIS_READ_TIMEOUT_MS);
  return jobs.filter((job): job is Job => job !== undefined && job !== null).map(failureView);
}

export type RetryOutcome = "retried" | "not-found" | "not-failed";

/**
 * Sends a failed job back to the queue with its attempts counted afresh, as Bull Board's Retry
 * does; its document (FAILED) is claimed again by the next run. A job that is not failed (already
 * retried, say, from another tab) is left as it is.
 */
export async function retryFailedJob(queue: Queue, jobId: string): Promise<RetryOutcome> {
  const job = await withTimeout(queue.getJob(jobId), REDIS_READ_TIMEOUT_MS);
  if (!job) return "not-found";
  if ((await withTimeout(job.getState(), REDIS_READ_TIMEOUT_MS)) !== "failed") return "not-failed";
  await withTimeout(job.retry("failed", { resetAttemptsMade: true }), REDIS_READ_TIMEOUT_MS);
  return "retried";
}
