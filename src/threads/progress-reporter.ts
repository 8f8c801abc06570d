import type { JobProgress } from "../protocol/thread-protocol.js";

/**
 * "A few updates a second per job": each update the supervisor gets becomes a Redis write
 * (BullMQ's job progress), so only long documents should produce them.
 */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * Passes a task's progress on at most once per interval, counted from the task's start: a job
 * done within the first interval sends nothing, and a long one reports where it is every
 * interval at most. Between sends, only the latest position matters, so the rest are dropped.
 */
export class ProgressReporter {
  private lastSentAt: number;

  constructor(
    private readonly send: (progress: JobProgress) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSentAt = now();
  }

  report(progress: JobProgress): void {
    const now = this.now();
    if (now - this.lastSentAt < this.intervalMs) return;
    this.lastSentAt = now;
    this.send(progress);
  }
}
