/**
 * Queue overhead: what ragworker costs per job when the job itself needs no work, against a bare
 * BullMQ Worker whose processor returns at once, at the same concurrency. ragworker has no no-op
 * job and no test-only path, so its jobs name documents that do not exist: each still goes
 * supervisor → thread → one SELECT → MISSING. The two alternate run by run.
 */
import type { Contender } from "../contenders/contender-process.js";
import type { NoopSummary } from "../report/summarize.js";
import { runJobs, type JobData } from "./run-jobs.js";
import { median } from "./statistics.js";

export interface QueueOverheadPlan {
  readonly jobsPerRun: number;
  readonly repetitions: number;
}

function noopJobs(count: number): JobData[] {
  return Array.from({ length: count }, () => ({
    documentId: crypto.randomUUID(),
    workspaceId: crypto.randomUUID(),
  }));
}

/** `ragworker` and `bare` run at the same concurrency; each is warmed up with 100 jobs first. */
export async function measureQueueOverhead(
  ragworker: Contender,
  bare: Contender,
  plan: QueueOverheadPlan,
  log: (message: string) => void = () => undefined,
): Promise<NoopSummary> {
  for (const contender of [ragworker, bare]) await runJobs(contender, noopJobs(100));
  const rates = new Map<Contender, number[]>([
    [ragworker, []],
    [bare, []],
  ]);
  for (let repetition = 0; repetition < plan.repetitions; repetition += 1) {
    for (const contender of repetition % 2 === 0 ? [ragworker, bare] : [bare, ragworker]) {
      const run = await runJobs(contender, noopJobs(plan.jobsPerRun));
      if (run.failures.length > 0) throw new Error(`${contender.label}: ${run.failures[0]}`);
      const rate = run.completed / run.seconds;
      rates.get(contender)?.push(rate);
      log(`no-op ${contender.label}: ${rate.toFixed(0)} jobs/s (${run.probe.cpuSeconds.toFixed(2)} s CPU)`);
    }
  }
  const ragworkerRate = median(rates.get(ragworker) ?? []);
  const bareRate = median(rates.get(bare) ?? []);
  return {
    concurrency: bare.threads,
    jobsPerRun: plan.jobsPerRun,
    ragworkerJobsPerSecond: ragworkerRate,
    bareJobsPerSecond: bareRate,
    ratio: ragworkerRate / bareRate,
  };
}
