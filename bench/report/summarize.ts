/**
 * Turns the raw runs into the figures the issue asks for: medians per contender configuration,
 * scaling, latencies, memory, and the targets with whether each holds.
 */
import type { ContenderKind } from "../contenders/contender-process.js";
import type { PersistenceResult } from "../measure/chunk-persistence.js";
import type { JobsRun } from "../measure/run-jobs.js";
import { median, percentile } from "../measure/statistics.js";

export interface ConfigurationRuns {
  readonly kind: ContenderKind;
  readonly threads: number;
  readonly label: string;
  readonly bytesPerRun: number;
  readonly runs: JobsRun[];
}

export interface ConfigurationSummary {
  readonly kind: ContenderKind;
  readonly threads: number;
  readonly label: string;
  readonly runs: number;
  readonly documentsPerSecond: number;
  readonly chunksPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly worstP99: number };
  readonly metricsMs: { readonly p50: number; readonly p99: number; readonly samples: number } | null;
  readonly readyzMs: { readonly p50: number; readonly p99: number; readonly samples: number } | null;
  /** Process CPU time over wall time: how many cores the contender really got. */
  readonly coresUsed: number;
  readonly mainHeapPeakMb: number;
  readonly rssPeakMb: number;
  readonly threadHeapPeakMb: number[];
  readonly stalled: number;
  readonly failed: number;
}

const MB = 1024 * 1024;

export function summarizeConfiguration(config: ConfigurationRuns): ConfigurationSummary {
  const { runs } = config;
  const metrics = runs.flatMap((run) => run.ops?.metricsMs ?? []);
  const readyz = runs.flatMap((run) => run.ops?.readyzMs ?? []);
  const latency = (samples: number[]) =>
    samples.length === 0
      ? null
      : { p50: percentile(samples, 50), p99: percentile(samples, 99), samples: samples.length };
  // Threads are numbered differently in every process; peaks are listed largest first.
  const threadPeaks = runs.map((run) =>
    run.probe.threadHeapPeakBytes.map((t) => t.bytes).sort((a, b) => b - a),
  );
  const threadCount = Math.max(0, ...threadPeaks.map((peaks) => peaks.length));
  return {
    kind: config.kind,
    threads: config.threads,
    label: config.label,
    runs: runs.length,
    documentsPerSecond: median(runs.map((run) => run.completed / run.seconds)),
    chunksPerSecond: median(runs.map((run) => run.chunks / run.seconds)),
    megabytesPerSecond: median(runs.map((run) => config.bytesPerRun / MB / run.seconds)),
    eventLoopDelayMs: {
      p50: median(runs.map((run) => run.probe.eventLoopDelayMs.p50)),
      p99: median(runs.map((run) => run.probe.eventLoopDelayMs.p99)),
      worstP99: Math.max(...runs.map((run) => run.probe.eventLoopDelayMs.p99)),
    },
    metricsMs: latency(metrics),
    readyzMs: latency(readyz),
    coresUsed: median(runs.map((run) => run.probe.cpuSeconds / run.seconds)),
    mainHeapPeakMb: Math.max(...runs.map((run) => run.probe.mainHeapPeakBytes)) / MB,
    rssPeakMb: Math.max(...runs.map((run) => run.probe.rssPeakBytes)) / MB,
    threadHeapPeakMb: Array.from(
      { length: threadCount },
      (_, index) => Math.max(...threadPeaks.map((peaks) => peaks[index] ?? 0)) / MB,
    ),
    stalled: runs.reduce((sum, run) => sum + run.stalled, 0),
    failed: runs.reduce((sum, run) => sum + run.failures.length, 0),
  };
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  readonly holds: boolean;
}

export interface StallScenario {
  readonly label: string;
  readonly kind: ContenderKind;
  readonly documents: number;
  readonly megabytesPerDocument: number;
  readonly lockMs: number;
  readonly seconds: number;
  readonly stalled: number;
  readonly failed: number;
  readonly failures: readonly string[];
}

export interface NoopSummary {
  readonly concurrency: number;
  readonly jobsPerRun: number;
  readonly ragworkerJobsPerSecond: number;
  readonly bareJobsPerSecond: number;
  readonly ratio: number;
}

export function evaluateTargets(input: {
  readonly summaries: readonly ConfigurationSummary[];
  readonly threads: number;
  readonly stalls: readonly StallScenario[];
  readonly noop: NoopSummary;
  readonly persistence: PersistenceResult;
}): Target[] {
  const find = (kind: ContenderKind, threads: number) =>
    input.summaries.find((s) => s.kind === kind && s.threads === threads);
  const ragN = find("ragworker", input.threads);
  const rag1 = find("ragworker", 1);
  const inProcessN = find("in-process", input.threads);
  const sandboxedN = find("sandboxed", input.threads);
  const ratio = (a: number | undefined, b: number | undefined) => (a ?? Number.NaN) / (b ?? Number.NaN);
  const scaling = ratio(ragN?.documentsPerSecond, rag1?.documentsPerSecond);
  const vsInProcess = ratio(ragN?.documentsPerSecond, inProcessN?.documentsPerSecond);
  const vsSandboxed = ratio(ragN?.documentsPerSecond, sandboxedN?.documentsPerSecond);
  const lagP99 = ragN?.eventLoopDelayMs.p99 ?? Number.NaN;
  const metricsP99 = ragN?.metricsMs?.p99 ?? Number.NaN;
  const ragworkerStalls =
    input.summaries.filter((s) => s.kind === "ragworker").reduce((sum, s) => sum + s.stalled, 0) +
    input.stalls.filter((s) => s.kind === "ragworker").reduce((sum, s) => sum + s.stalled, 0);
  const N = input.threads;
  return [
    {
      name: `ragworker ${N} threads / 1 thread (documents/s)`,
      goal: "≥ 1.8×",
      measured: `${scaling.toFixed(2)}×`,
      holds: scaling >= 1.8,
    },
    {
      name: `ragworker / in-process, concurrency ${N}`,
      goal: "≥ 1.6×",
      measured: `${vsInProcess.toFixed(2)}×`,
      holds: vsInProcess >= 1.6,
    },
    {
      name: `ragworker / BullMQ sandboxed, concurrency ${N}`,
      goal: "≥ 1.0×",
      measured: `${vsSandboxed.toFixed(2)}×`,
      holds: vsSandboxed >= 1.0,
    },
    {
      name: "supervisor event-loop delay p99, full load",
      goal: "≤ 10 ms",
      measured: `${lagP99.toFixed(2)} ms`,
      holds: lagP99 <= 10,
    },
    {
      name: "/metrics p99, full load",
      goal: "≤ 50 ms",
      measured: `${metricsP99.toFixed(2)} ms`,
      holds: metricsP99 <= 50,
    },
    {
      name: "stalled jobs (ragworker, all runs incl. jobs 3× the lock)",
      goal: "0",
      measured: String(ragworkerStalls),
      holds: ragworkerStalls === 0,
    },
    {
      name: `no-op jobs/s, ragworker / bare BullMQ (concurrency ${N})`,
      goal: "≥ 0.5×",
      measured: `${input.noop.ratio.toFixed(2)}×`,
      holds: input.noop.ratio >= 0.5,
    },
    {
      name: "chunk rows/s, replaceChunks / one INSERT per row",
      goal: "≥ 10×",
      measured: `${input.persistence.ratio.toFixed(1)}×`,
      holds: input.persistence.ratio >= 10,
    },
  ];
}
