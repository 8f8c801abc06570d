/**
 * Preloaded (`node --import`) into every benchmarked process, including the ragworker supervisor,
 * so the benchmark measures it from the inside without any benchmark code in src.
 *
 * - Main thread: an event-loop delay histogram at 1 ms resolution (perf_hooks), the process's
 *   CPU time, and peak RSS and heap, sampled every 100 ms. Answers `probe:reset` / `probe:read` over the IPC channel.
 * - Every worker thread (Piscina's, BullMQ's sandbox threads) gets the preload too, since threads
 *   inherit execArgv: it tracks its own peak heap and reports it over a BroadcastChannel.
 *
 * Only `node:` imports: the benchmark transpiles this one file on its own (see compile/bench-modules.ts).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { BroadcastChannel, isMainThread, threadId } from "node:worker_threads";

const CHANNEL = "ragworker-bench:probe";
const SAMPLE_MS = 100;
const THREAD_REPLY_WAIT_MS = 300;

interface ThreadReport {
  readonly type: "thread";
  readonly threadId: number;
  readonly heapPeakBytes: number;
}

const channel = new BroadcastChannel(CHANNEL);
channel.unref();
let heapPeak = 0;
let rssPeak = 0;
const sampleMemory = (): void => {
  const usage = process.memoryUsage();
  heapPeak = Math.max(heapPeak, usage.heapUsed);
  if (isMainThread) rssPeak = Math.max(rssPeak, usage.rss);
};
sampleMemory();
setInterval(sampleMemory, SAMPLE_MS).unref();

if (!isMainThread) {
  channel.onmessage = (event) => {
    const message = (event as { data: { type?: string } }).data;
    if (message.type === "reset") {
      heapPeak = 0;
      sampleMemory();
    } else if (message.type === "report") {
      sampleMemory();
      const report: ThreadReport = { type: "thread", threadId, heapPeakBytes: heapPeak };
      channel.postMessage(report);
    }
  };
} else if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let cpuAtReset = process.cpuUsage();
  let threads = new Map<number, number>();
  channel.onmessage = (event) => {
    const message = (event as { data: Partial<ThreadReport> }).data;
    if (message.type === "thread" && typeof message.threadId === "number") {
      threads.set(message.threadId, message.heapPeakBytes ?? 0);
    }
  };
  const ms = (nanoseconds: number): number => nanoseconds / 1e6;
  process.on("message", (raw: { type?: string; id?: number }) => {
    if (raw.type === "probe:reset") {
      histogram.reset();
      cpuAtReset = process.cpuUsage();
      heapPeak = 0;
      rssPeak = 0;
      sampleMemory();
      channel.postMessage({ type: "reset" });
      process.send?.({ type: "probe:reset", id: raw.id });
    } else if (raw.type === "probe:read") {
      sampleMemory();
      const cpu = process.cpuUsage(cpuAtReset);
      threads = new Map();
      channel.postMessage({ type: "report" });
      setTimeout(() => {
        process.send?.({
          type: "probe:read",
          id: raw.id,
          eventLoopDelayMs: {
            p50: ms(histogram.percentile(50)),
            p99: ms(histogram.percentile(99)),
            max: ms(histogram.max),
            samples: histogram.count,
          },
          // All threads of the process, user and system, since the reset.
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          mainHeapPeakBytes: heapPeak,
          rssPeakBytes: rssPeak,
          threadHeapPeakBytes: [...threads.entries()]
            .sort(([a], [b]) => a - b)
            .map(([id, bytes]) => ({ threadId: id, bytes })),
        });
      }, THREAD_REPLY_WAIT_MS);
    }
  });
  // The probe must never keep a process alive that would otherwise exit (a drained worker).
  process.channel?.unref();
}
