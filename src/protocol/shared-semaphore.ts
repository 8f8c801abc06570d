/**
 * A counting semaphore shared by every thread of the process.
 *
 * Why shared memory: each Piscina thread builds its own embedder, so a limit kept in a plain
 * variable would be a limit per thread, and N threads would send N times as many requests. The
 * permits live in a `SharedArrayBuffer` created once by the supervisor (`SharedSemaphore.create`)
 * and passed to every thread in `workerData`. Structured cloning shares a `SharedArrayBuffer`
 * instead of copying it, so all threads, and the threads Piscina starts later to replace crashed
 * ones, count on the same memory; `Atomics` makes each update indivisible across threads.
 *
 * Waiting uses `Atomics.waitAsync`, never `Atomics.wait`: a thread waiting for a permit keeps its
 * event loop running (pg keep-alives, Piscina messages, the close broadcast). A release wakes one
 * waiter, in whichever thread it is; a woken waiter takes the permit with a compare-and-swap and
 * waits again if another caller got there first, so no permit is ever handed out twice.
 *
 * Layout (Int32): [0] permits available, [1] permits in total (to catch a release too many).
 *
 * Not covered: a thread terminated while it holds a permit (its `finally` never runs) loses that
 * permit for the life of the process. The pool runs one task per thread and a thread holds a
 * permit only while awaiting the HTTP response, so only a forced termination (drain timeout,
 * shutdown) can do that, and then the process is ending.
 */
type WaitAsyncResult =
  | { readonly async: false; readonly value: "not-equal" | "timed-out" }
  | { readonly async: true; readonly value: Promise<"ok" | "timed-out"> };

/**
 * `Atomics.waitAsync` (ES2024, in Node since 16) is missing from the ES2023 lib the project
 * compiles against; typed here rather than raising the lib for everyone.
 */
const atomicsWithWaitAsync = Atomics as typeof Atomics & {
  waitAsync?: (view: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;
};

function waitAsync(view: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult {
  if (atomicsWithWaitAsync.waitAsync === undefined) {
    throw new Error("Atomics.waitAsync is not available in this runtime (Node.js 16 or later needed)");
  }
  return atomicsWithWaitAsync.waitAsync(view, index, value, timeoutMs);
}

export class SharedSemaphore {
  private static readonly AVAILABLE = 0;
  private static readonly CAPACITY = 1;
  private static readonly SLOTS = 2;
  /**
   * Longest sleep before re-checking the count. Wake-ups are not meant to be lost; this bounds
   * the damage if one is (a thread terminated between being woken and taking the permit), and
   * lets the registrations of abandoned (aborted) waits expire.
   */
  private static readonly RECHECK_MS = 1000;

  private readonly view: Int32Array;

  /** A buffer holding `permits` permits; create it once, in the supervisor, and share it. */
  static create(permits: number): SharedArrayBuffer {
    if (!Number.isInteger(permits) || permits < 1 || permits > 0x7fffffff) {
      throw new RangeError(`semaphore permits must be a positive integer, got ${permits}`);
    }
    const buffer = new SharedArrayBuffer(SharedSemaphore.SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const view = new Int32Array(buffer);
    Atomics.store(view, SharedSemaphore.AVAILABLE, permits);
    Atomics.store(view, SharedSemaphore.CAPACITY, permits);
    return buffer;
  }

  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError("SharedSemaphore needs a SharedArrayBuffer from SharedSemaphore.create");
    }
    if (buffer.byteLength !== SharedSemaphore.SLOTS * Int32Array.BYTES_PER_ELEMENT) {
      throw new TypeError(`SharedSemaphore buffer has ${buffer.byteLength} bytes, not a semaphore's`);
    }
    this.view = new Int32Array(buffer);
    if (Atomics.load(this.view, SharedSemaphore.CAPACITY) < 1) {
      throw new TypeError("SharedSemaphore buffer was not initialized by SharedSemaphore.create");
    }
  }

  /** Permits free right now, across all threads (for metrics and tests; stale at once). */
  get available(): number {
    return Atomics.load(this.view, SharedSemaphore.AVAILABLE);
  }

  /** Permits in total. */
  get capacity(): number {
    return Atomics.load(this.view, SharedSemaphore.CAPACITY);
  }

  /** Takes a permit, waiting (without blocking the event loop) until one is free. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.tryAcquire()) return;
      // Sleeps only while the count is still 0: a release between tryAcquire and here makes
      // waitAsync return "not-equal" at once, so a wake-up cannot fall in between.
      const wait = waitAsync(this.view, SharedSemaphore.AVAILABLE, 0, SharedSemaphore.RECHECK_MS);
      if (!wait.async) continue;
      // A pending waitAsync does not keep Node's event loop alive, not even once woken: without
      // this timer a thread with nothing else to do would exit (or drop the wake-up) mid-wait.
      // It outlives the wait's own timeout, so the wait always settles first.
      const keepAlive = setTimeout(() => undefined, SharedSemaphore.RECHECK_MS * 2);
      try {
        await (signal === undefined ? wait.value : this.waitOrAbort(wait.value, signal));
      } finally {
        clearTimeout(keepAlive);
      }
    }
  }

  /** Takes a permit if one is free now; never waits. */
  tryAcquire(): boolean {
    for (;;) {
      const available = Atomics.load(this.view, SharedSemaphore.AVAILABLE);
      if (available <= 0) return false;
      const seen = Atomics.compareExchange(this.view, SharedSemaphore.AVAILABLE, available, available - 1);
      if (seen === available) return true;
    }
  }

  /** Gives a permit back and wakes one waiter, in any thread. */
  release(): void {
    for (;;) {
      const available = Atomics.load(this.view, SharedSemaphore.AVAILABLE);
      if (available >= Atomics.load(this.view, SharedSemaphore.CAPACITY)) {
        throw new Error("SharedSemaphore released more often than acquired");
      }
      const seen = Atomics.compareExchange(this.view, SharedSemaphore.AVAILABLE, available, available + 1);
      if (seen === available) break;
    }
    Atomics.notify(this.view, SharedSemaphore.AVAILABLE, 1);
  }

  /** Runs `work` holding a permit, released however `work` ends. */
  async use<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /**
   * Waits for a wake-up or the signal. A `waitAsync` cannot be cancelled: after an abort its
   * registration stays until woken or timed out, and a release may wake it instead of a live
   * waiter. So if it is woken ("ok") after being abandoned, it passes the wake-up on. (Its
   * thread must still be running then; a Piscina thread always is. If it is not, the live
   * waiter finds the permit at its next re-check.)
   */
  private waitOrAbort(wake: Promise<"ok" | "timed-out">, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let abandoned = false;
      const onAbort = (): void => {
        abandoned = true;
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      void wake.then((outcome) => {
        signal.removeEventListener("abort", onAbort);
        if (abandoned) {
          if (outcome === "ok") Atomics.notify(this.view, SharedSemaphore.AVAILABLE, 1);
          return;
        }
        resolve();
      });
    });
  }
}
