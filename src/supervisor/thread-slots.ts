/**
 * One slot per pool thread. BullMQ fetches WORKER_PREFETCH jobs more than there are threads, so
 * a thread that finishes starts its next job at once instead of waiting for Redis; those extra
 * jobs wait here, in the supervisor, not in Piscina's queue. Which jobs never reached a thread is
 * then known exactly: at the drain they go back to the queue untouched, while aborting a Piscina
 * task would terminate its thread had it just started.
 */
export class ThreadSlots {
  private free: number;
  private readonly waiting: Array<(started: boolean) => void> = [];
  private closed = false;

  constructor(threads: number) {
    this.free = threads;
  }

  /** Jobs fetched ahead, waiting for a thread. */
  get waitingJobs(): number {
    return this.waiting.length;
  }

  /**
   * True once a thread is free for the job (release() it when its task settles); false when the
   * drain began before one was: the job never started and must go back to the queue.
   */
  acquire(): Promise<boolean> | boolean {
    if (this.closed) return false;
    if (this.free > 0) {
      this.free -= 1;
      return true;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A task settled: its slot goes to the job waiting longest, if any. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.free += 1;
  }

  /** The drain began: every waiting job is told at once, and none gets a thread from now on. */
  close(): void {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve(false);
  }
}
