/**
 * The one shutdown path: every way a job can be stopped at shutdown, and every deadline, in one
 * place. The phases only move forward:
 *
 *   starting → running → draining → handing back → terminating → stopped
 *
 * - starting: a signal now aborts the start-up (`startup` aborts) and the process exits cleanly.
 * - draining (first SIGTERM/SIGINT): no new job is fetched; running jobs may finish.
 * - handing back (DRAIN_TIMEOUT_MS later, or a second signal): the threads' shared cancel flag is
 *   raised, so each stops at its next checkpoint, and running jobs go back to the queue without
 *   spending an attempt (`handingBack` aborts).
 * - terminating (HAND_BACK_GRACE_MS later): a thread still inside one call is terminated
 *   (`terminating` aborts); the queue worker, if it is still closing (Redis unreachable), is closed
 *   by force FORCE_CLOSE_GRACE_MS after that (`forceClose` aborts).
 * - stopped: everything released.
 */
import { CancelFlag } from "../protocol/thread-protocol.js";

export type ShutdownPhase = "starting" | "running" | "draining" | "handing back" | "terminating" | "stopped";

const ORDER: readonly ShutdownPhase[] = [
  "starting",
  "running",
  "draining",
  "handing back",
  "terminating",
  "stopped",
];

export interface ShutdownDeadlines {
  /** DRAIN_TIMEOUT_MS: how long running jobs may take to finish after the first signal. */
  readonly drainTimeoutMs: number;
  /** How long threads get to stop at a checkpoint once asked, before they are terminated. */
  readonly handBackGraceMs: number;
  /** How long after terminating a queue worker still closing is closed by force. */
  readonly forceCloseGraceMs: number;
}

/** Threads stop at their next checkpoint (an embedding batch at most, normally well under this). */
export const HAND_BACK_GRACE_MS = 3_000;
/** After terminating, a queue worker still closing waits on Redis that may never answer. */
export const FORCE_CLOSE_GRACE_MS = 2_000;

export class Shutdown {
  private current: ShutdownPhase = "starting";
  private readonly startupController = new AbortController();
  private readonly handBackController = new AbortController();
  private readonly terminateController = new AbortController();
  private readonly forceCloseController = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly listeners: Array<(phase: ShutdownPhase, reason: string) => void> = [];
  private reason = "";

  /** The threads' shared stop-at-checkpoint flag, raised on entering "handing back". */
  readonly cancelFlag: SharedArrayBuffer = CancelFlag.create();

  constructor(private readonly deadlines: ShutdownDeadlines) {}

  get phase(): ShutdownPhase {
    return this.current;
  }

  /** Why the shutdown began (the signal's name, say); empty while running. */
  get cause(): string {
    return this.reason;
  }

  /** Aborts when a shutdown begins during start-up: the start-up stops where it is. */
  get startup(): AbortSignal {
    return this.startupController.signal;
  }

  /** Aborts on "handing back": running jobs go back to the queue. */
  get handingBack(): AbortSignal {
    return this.handBackController.signal;
  }

  /** Aborts on "terminating": tasks still running are aborted, terminating their threads. */
  get terminating(): AbortSignal {
    return this.terminateController.signal;
  }

  /** Aborts FORCE_CLOSE_GRACE_MS into "terminating": close what still waits on Redis by force. */
  get forceClose(): AbortSignal {
    return this.forceCloseController.signal;
  }

  /** True from "draining" on: /readyz answers 503 and no new job is fetched. */
  get stopping(): boolean {
    return ORDER.indexOf(this.current) >= ORDER.indexOf("draining");
  }

  onPhase(listener: (phase: ShutdownPhase, reason: string) => void): void {
    this.listeners.push(listener);
  }

  /** Start-up finished: signals from now on drain. A no-op once a shutdown began. */
  started(): void {
    if (this.current === "starting") this.enter("running");
  }

  /**
   * The first signal. During start-up it aborts the start-up; while running it drains, then hands
   * back at the drain deadline. Later calls do nothing (see hurry).
   */
  begin(reason: string): void {
    if (this.current === "starting") {
      this.reason = reason;
      this.startupController.abort(new Error(`start-up stopped by ${reason}`));
      this.enter("stopped");
      return;
    }
    if (this.current !== "running") return;
    this.reason = reason;
    this.enter("draining");
    this.after(this.deadlines.drainTimeoutMs, () => this.handBack());
  }

  /** A second signal: skip the rest of the drain, hand running jobs back now. */
  hurry(): void {
    if (this.current === "draining") this.handBack();
  }

  /** Everything is released: timers cleared, nothing else will happen. */
  finish(): void {
    for (const timer of this.timers) clearTimeout(timer);
    if (this.current !== "stopped") this.enter("stopped");
  }

  private handBack(): void {
    if (this.current !== "draining") return;
    this.enter("handing back");
    new CancelFlag(this.cancelFlag).raise();
    this.handBackController.abort();
    this.after(this.deadlines.handBackGraceMs, () => this.terminate());
  }

  private terminate(): void {
    if (this.current !== "handing back") return;
    this.enter("terminating");
    this.terminateController.abort();
    this.after(this.deadlines.forceCloseGraceMs, () => this.forceCloseController.abort());
  }

  private after(ms: number, action: () => void): void {
    // Kept referenced: a drain in progress must reach its deadline; finish() clears them.
    this.timers.push(setTimeout(action, ms));
  }

  private enter(phase: ShutdownPhase): void {
    this.current = phase;
    for (const listener of this.listeners) listener(phase, this.reason);
  }
}

/**
 * `work`, or a rejection as soon as `signal` aborts: a start-up step (a model download, waiting
 * for threads) is not waited out once a shutdown began. The step itself is left to finish or fail
 * in the background; what it acquired is released by whoever owns it.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
