/**
 * Turns the raw runs into the figures the issue asks for: medians per contender configuration,
 * scaling, latencies, memory, and the targets with whether each holds.
 */
import type { ContenderKind } from "../contenders/contender-process.js";
import { shareOfCeiling, type CeilingResult } from "../measure/cpu-ceiling.js";
import { persistenceTargets, type PersistenceResult } from "../measure/chunk-persistence.js";
import type { JobsRun } from "../measure/run-jobs.js";
import { median, percentile } from "../measure/statistics.js";

export interface ConfigurationRuns {
  readonly kind: ContenderKind;
  readonly threads: number;
  readonly label: string;
  readonly bytesPerRun: number;
  readonly runs: JobsRun[];
  /** Runs whose ops endpoints were sampled (ragworker): latencies come from these alone. */
  readonly opsRuns: JobsRun[];
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
  const metrics = config.opsRuns.flatMap((run) => run.ops?.metricsMs ?? []);
  const readyz = config.opsRuns.flatMap((run) => run.ops?.readyzMs ?? []);
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
    stalled: [...runs, ...config.opsRuns].reduce((sum, run) => sum + run.stalled, 0),
    failed: runs.reduce((sum, run) => sum + run.failures.length, 0),
  };
}

/** One corpus's runs summarized: every contender configuration on the same documents. */
export interface CorpusSummaries {
  readonly name: string;
  readonly title: string;
  readonly documents: number;
  readonly bytes: number;
  readonly formats: Readonly<Record<string, number>>;
  readonly summaries: readonly ConfigurationSummary[];
}

/** ragworker N against ragworker 1, in-process N and sandboxed N, in documents/s. */
export interface ThroughputRatios {
  readonly scaling: number;
  readonly vsInProcess: number;
  readonly vsSandboxed: number;
}

export function throughputRatios(
  summaries: readonly ConfigurationSummary[],
  threads: number,
): ThroughputRatios {
  const rate = (kind: ContenderKind, n: number) =>
    summaries.find((s) => s.kind === kind && s.threads === n)?.documentsPerSecond ?? Number.NaN;
  const ragN = rate("ragworker", threads);
  return {
    scaling: ragN / rate("ragworker", 1),
    vsInProcess: ragN / rate("in-process", threads),
    vsSandboxed: ragN / rate("sandboxed", threads),
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

/**
 * The targets. Documents/s ratios are read on the CPU-bound corpus (the "on the
 * CPU-bound corpus"); latency and stalls are the worst over every corpus ragworker ran.
 */
export function evaluateTargets(input: {
  readonly cpuBound: CorpusSummaries;
  readonly corpora: readonly CorpusSummaries[];
  readonly threads: number;
  readonly stalls: readonly StallScenario[];
  readonly noop: NoopSummary;
  readonly persistence: readonly PersistenceResult[];
  /** The machine's own scaling for the same CPU work (bench/measure/cpu-ceiling.ts). */
  readonly ceiling: CeilingResult;
}): Target[] {
  const { scaling, vsInProcess, vsSandboxed } = throughputRatios(input.cpuBound.summaries, input.threads);
  const ragN = input.corpora.flatMap((corpus) =>
    corpus.summaries.filter((s) => s.kind === "ragworker" && s.threads === input.threads),
  );
  const lagP99 = Math.max(...ragN.map((s) => s.eventLoopDelayMs.p99));
  const metricsP99 = Math.max(...ragN.map((s) => s.metricsMs?.p99 ?? Number.NaN));
  const ragworkerStalls =
    input.corpora
      .flatMap((corpus) => corpus.summaries.filter((s) => s.kind === "ragworker"))
      .reduce((sum, s) => sum + s.stalled, 0) +
    input.stalls.filter((s) => s.kind === "ragworker").reduce((sum, s) => sum + s.stalled, 0);
  const N = input.threads;
  // Against the machine, not a fixed 1.8×: what N bare threads gain here for the same CPU work.
  const share = shareOfCeiling(scaling, input.ceiling);
  return [
    {
      name: `ragworker ${N}/1-thread scaling ÷ the machine's (bare threads), CPU-bound corpus`,
      goal: "≥ 0.9",
      measured: `${share.toFixed(2)} (${scaling.toFixed(2)}× of ${input.ceiling.ceiling.toFixed(2)}×)`,
      holds: share >= 0.9,
    },
    {
      name: `ragworker / in-process, concurrency ${N} (CPU-bound corpus)`,
      goal: "≥ 1.6×",
      measured: `${vsInProcess.toFixed(2)}×`,
      holds: vsInProcess >= 1.6,
    },
    {
      name: `ragworker / BullMQ sandboxed, concurrency ${N} (CPU-bound corpus)`,
      goal: "≥ 1.1×",
      measured: `${vsSandboxed.toFixed(2)}×`,
      holds: vsSandboxed >= 1.1,
    },
    {
      name: "supervisor event-loop delay p99, full load (worst corpus)",
      goal: "≤ 10 ms",
      measured: `${lagP99.toFixed(2)} ms`,
      holds: lagP99 <= 10,
    },
    {
      name: "/metrics p99, full load (worst corpus)",
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
      goal: "≥ 0.6×",
      measured: `${input.noop.ratio.toFixed(2)}×`,
      holds: input.noop.ratio >= 0.6,
    },
    ...persistenceTargets(input.persistence),
  ];
}
