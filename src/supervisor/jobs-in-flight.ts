import type { Job } from "bullmq";
import { z } from "zod";
import type { RunningJob } from "../db/document-store.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import type { RunningJobView } from "../ops/admin/admin-sources.js";
import {
  CancelFlag,
  PROGRESS_STAGES,
  type JobProgress,
  type ProgressStage,
  type TaskProgressMessage,
  type TaskStartedMessage,
} from "../protocol/thread-protocol.js";

/** A job handed to a thread that has not reported a stage yet (waiting for a thread, or just begun). */
export const STARTING_STAGE = "starting";

interface Entry {
  readonly job: Pick<Job, "updateProgress">;
  /** null when the job's document id is not a UUID (the thread answers INVALID at once). */
  readonly documentId: string | null;
  readonly cancelled: CancelFlag;
  stage: ProgressStage | typeof STARTING_STAGE;
  // What the operator page shows (RunningJobView): epoch ms, the last progress, the thread.
  readonly workspaceId: string | null;
  readonly startedAt: number;
  stageSince: number;
  progress: JobProgress | null;
  threadId: number | null;
}

// The same test as the job's lookup (src/db/document-triage.ts): every 8-4-4-4-12 hex id PostgreSQL accepts.
const documentIdSchema = z.guid();

/**
 * The supervisor's view of the jobs its threads are running: where each is (the stage its thread
 * last reported, passed on to BullMQ's job progress), and each one's cancel flag, which the
 * CancellationWatch raises when the API cancels the document.
 */
export class JobsInFlight {
  private readonly jobs = new Map<string, Entry>();

  constructor(private readonly logger: Logger) {}

  /** `ids` are the job data's, as the job processor read them (anything a producer sent). */
  add(
    jobId: string,
    job: Pick<Job, "updateProgress">,
    ids: { readonly documentId: unknown; readonly workspaceId: unknown },
    cancelledFlag: SharedArrayBuffer,
  ): void {
    const now = Date.now();
    this.jobs.set(jobId, {
      job,
      documentId: documentIdSchema.safeParse(ids.documentId).data ?? null,
      cancelled: new CancelFlag(cancelledFlag),
      stage: STARTING_STAGE,
      workspaceId: typeof ids.workspaceId === "string" ? ids.workspaceId : null,
      startedAt: now,
      stageSince: now,
      progress: null,
      threadId: null,
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
    if (entry.stage !== message.progress.stage) entry.stageSince = Date.now();
    entry.stage = message.progress.stage;
    entry.progress = message.progress;
    entry.job.updateProgress({ ...message.progress }).catch((error: unknown) => {
      // Progress is informational: Redis being away must not fail the job; the job's end says the rest.
      this.logger.debug(
        { err: describeError(error), job_id: message.jobId },
        "could not update job progress",
      );
    });
  }

  /** A thread took the job: which one, for the operator page. */
  started(message: TaskStartedMessage): void {
    const entry = this.jobs.get(message.jobId);
    if (entry) entry.threadId = message.threadId;
  }

  /** Each running job as the operator page shows it. */
  views(): RunningJobView[] {
    return [...this.jobs].map(([jobId, entry]) => ({
      jobId,
      documentId: entry.documentId,
      workspaceId: entry.workspaceId,
      threadId: entry.threadId,
      stage: entry.stage,
      current: entry.progress?.current ?? null,
      total: entry.progress?.total ?? null,
      startedAt: entry.startedAt,
      stageSince: entry.stageSince,
    }));
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
