import type { Queue } from "bullmq";
import { withTimeout } from "../with-timeout.js";
import { jobDataString, REDIS_READ_TIMEOUT_MS } from "./job-reads.js";

const KEPT = 10;

/** A job retried from the worker page, as it is now. */
export interface RetriedJobView {
  readonly jobId: string;
  readonly documentId: string | null;
  /** Epoch milliseconds. */
  readonly retriedAt: number;
  /** BullMQ's state now (waiting, active, completed, failed…), "gone" once trimmed. */
  readonly state: string;
  /** The document's status a completed job returned (READY…), or a failed job's reason. */
  readonly result: string | null;
}

function returnedStatus(value: unknown): string | null {
  const status = typeof value === "object" && value !== null ? (value as { status?: unknown }).status : null;
  return typeof status === "string" ? status : null;
}

/**
 * The last jobs this replica's worker page retried, so the operator sees how each retry ended
 * (READY, or failed again and why) without leaving the page. In memory: a restart forgets them,
 * and Bull Board shows every job anyway.
 */
export class RetriedJobs {
  private readonly entries: Array<{ readonly jobId: string; readonly retriedAt: number }> = [];

  record(jobId: string): void {
    const known = this.entries.findIndex((entry) => entry.jobId === jobId);
    if (known >= 0) this.entries.splice(known, 1);
    this.entries.unshift({ jobId, retriedAt: Date.now() });
    this.entries.splice(KEPT);
  }

  async views(queue: Queue): Promise<RetriedJobView[]> {
    return Promise.all(
      this.entries.map(async ({ jobId, retriedAt }): Promise<RetriedJobView> => {
        const job = await withTimeout(queue.getJob(jobId), REDIS_READ_TIMEOUT_MS);
        if (!job) return { jobId, documentId: null, retriedAt, state: "gone", result: null };
        const state = await withTimeout(job.getState(), REDIS_READ_TIMEOUT_MS);
        const result =
          state === "completed"
            ? returnedStatus(job.returnvalue)
            : state === "failed"
              ? (job.failedReason ?? null)
              : null;
        return { jobId, documentId: jobDataString(job.data, "documentId"), retriedAt, state, result };
      }),
    );
  }
}
