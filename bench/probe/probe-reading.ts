/** What the runtime probe (runtime-probe.ts) answers to `probe:read`. */
export interface ProbeReading {
  readonly eventLoopDelayMs: { p50: number; p99: number; max: number; samples: number };
  /** CPU time of the whole process (every thread) between reset and read. */
  readonly cpuSeconds: number;
  readonly mainHeapPeakBytes: number;
  readonly rssPeakBytes: number;
  readonly threadHeapPeakBytes: ReadonlyArray<{ threadId: number; bytes: number }>;
}
