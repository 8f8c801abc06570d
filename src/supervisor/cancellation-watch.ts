import type { DocumentStore } from "../db/document-store.js";
import type { Queryable } from "../db/queryable.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import type { JobsInFlight } from "./jobs-in-flight.js";

/**
 * Notices the API's cancels while their documents are being processed. One query per interval
 * for all of this replica's running jobs (not one per thread per checkpoint): a cancelled job's
 * flag is raised in shared memory, and its thread stops at its next checkpoint. A cancel is
 * thus seen within CANCEL_CHECK_INTERVAL_MS plus the time to the next checkpoint.
 */
export class CancellationWatch {
  private readonly timer: NodeJS.Timeout;
  private checking: Promise<void> | null = null;
  /** Logged once when checks start failing and once when they work again, not every interval. */
  private failing = false;

  constructor(
    private readonly deps: {
      readonly inFlight: JobsInFlight;
      readonly store: DocumentStore;
      readonly db: Queryable;
      readonly logger: Logger;
      readonly intervalMs: number;
    },
  ) {
    this.timer = setInterval(() => {
      // A check still running (a slow database) is not stacked with another.
      this.checking ??= this.check().finally(() => {
        this.checking = null;
      });
    }, deps.intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const { inFlight, store, db, logger } = this.deps;
    const running = inFlight.running();
    if (running.length === 0) return;
    try {
      const cancelled = await store.findCancelled(db, running);
      if (this.failing) logger.info("cancel checks work again");
      this.failing = false;
      for (const job of running) {
        if (!cancelled.has(job.jobId) || !inFlight.cancel(job.jobId)) continue;
        logger.info(
          { job_id: job.jobId, document_id: job.documentId },
          "document cancelled by the API; stopping its job at the next checkpoint",
        );
      }
    } catch (error) {
      if (!this.failing) {
        logger.warn({ err: describeError(error) }, "cannot check running documents for cancels; retrying");
      }
      this.failing = true;
    }
  }

  /** Stops checking; waits for a check in progress so nothing queries a pool being closed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }
}
