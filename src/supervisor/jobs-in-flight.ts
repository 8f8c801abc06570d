import type { Job } from "bullmq";
import { z } from "zod";
import type { RunningJob } from "../db/document-store.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import {
  CancelFlag,
  PROGRESS_STAGES,
  type ProgressStage,
  type TaskProgressMessage,
} from "../protocol/thread-protocol.js";

/** A job handed to a thread that has not reported a stage yet (waiting for a thread, or just begun). */
export const STARTING_STAGE = "starting";

interface Entry {
  readonly job: Pick<Job, "updateProgress">;
  /** null when the job's document id is not a UUID (the thread answers INVALID at once). */
  readonly documentId: string | null;
  readonly cancelled: CancelFlag;
  stage: ProgressStage | typeof STARTING_STAGE;
}

// The same test as the thread's (processDocument), which takes every 8-4-4-4-12 hex id PostgreSQL accepts.
const documentIdSchema = z.guid();

/**
 * The supervisor's view of the jobs its threads are running: where each is (the stage its thread
 * last reported, passed on to BullMQ's job progress), and each one's cancel flag, which the
 * CancellationWatch raises when the API cancels the document.
 */
export class JobsInFlight {
  private readonly jobs = new Map<string, Entry>();

  constructor(private readonly logger: Logger) {}

  add(
    jobId: string,
    job: Pick<Job, "updateProgress">,
    documentId: unknown,
    cancelledFlag: SharedArrayBuffer,
  ): void {
    this.jobs.set(jobId, {
      job,
      documentId: documentIdSchema.safeParse(documentId).data ?? null,
      cancelled: new CancelFlag(cancelledFlag),
      stage: STARTING_STAGE,
    });
  }

  remove(jobId: string): void {
    this.jobs.delete(jobId);
  }

  get size(): number {
    return this.jobs.size;
  }

  /** A thread's progress report: kept for /metrics and written to the job (best effort). */
  progress(message: TaskProgressMessage): void {
    const entry = this.jobs.get(message.jobId);
    // A report that crossed the job's end on its way here: nothing to update.
    if (!entry) return;
    entry.stage = message.progress.stage;
    entry.job.updateProgress({ ...message.progress }).catch((error: unknown) => {
      // Progress is informational: Redis being away must not fail the job; the job's end says the rest.
      this.logger.debug(
        { err: describeError(error), job_id: message.jobId },
        "could not update job progress",
      );
    });
  }

  /** Every stage with how many jobs are in it, zeros included. */
  countByStage(): Map<string, number> {
    const counts = new Map<string, number>([
      [STARTING_STAGE, 0],
      ...PROGRESS_STAGES.map((s) => [s, 0] as const),
    ]);
    for (const entry of this.jobs.values()) counts.set(entry.stage, (counts.get(entry.stage) ?? 0) + 1);
    return counts;
  }

  /** The jobs whose document could be cancelled (a real id, not cancelled yet). */
  running(): RunningJob[] {
    const running: RunningJob[] = [];
    for (const [jobId, entry] of this.jobs) {
      if (entry.documentId !== null && !entry.cancelled.raised)
        running.push({ jobId, documentId: entry.documentId });
    }
    return running;
  }

  /** Raises the cancel flag of each job named; its thread stops at its next checkpoint. */
  cancel(jobId: string): boolean {
    const entry = this.jobs.get(jobId);
    if (!entry) return false;
    entry.cancelled.raise();
    return true;
  }
}
