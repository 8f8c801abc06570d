/**
 * Queue overhead: what ragworker costs per job when the job itself needs no work, against a bare
 * BullMQ Worker whose processor returns at once, at the same concurrency. ragworker has no no-op
 * job and no test-only path, so its jobs name documents that are READY already, the job that
 * needs no work in practice (a job delivered twice, a re-enqueue of a finished document): each
 * goes supervisor → one SELECT → READY, and never reaches a thread. The two alternate run by run;
 * the ratio is the median of each round's own ratio, its two runs back to back, so a slow minute
 * of a shared machine falls on both sides of a round rather than on one side of the figure.
 */
import type pg from "pg";
import type { Contender } from "../contenders/contender-process.js";
import type { NoopSummary } from "../report/summarize.js";
import { dropWorkspace, insertReadyDocuments } from "./corpus-store.js";
import { runJobs } from "./run-jobs.js";
import { median } from "./statistics.js";

export interface QueueOverheadPlan {
  readonly jobsPerRun: number;
  readonly repetitions: number;
}

/**
 * One run of `count` jobs for documents READY already, their workspace dropped after: jobs/s and
 * the contender's CPU per job in ms (its process, threads included).
 */
async function noopRun(
  contender: Contender,
  db: pg.Pool,
  count: number,
): Promise<{ rate: number; cpuMsPerJob: number }> {
  const jobs = await insertReadyDocuments(db, count);
  try {
    const run = await runJobs(contender, jobs);
    if (run.failures.length > 0) throw new Error(`${contender.label}: ${run.failures[0]}`);
    return { rate: run.completed / run.seconds, cpuMsPerJob: (run.probe.cpuSeconds * 1000) / run.completed };
  } finally {
    await dropWorkspace(db, jobs[0]?.workspaceId ?? "");
  }
}

/** `ragworker` and `bare` run at the same concurrency; each is warmed up with 1,000 jobs first. */
export async function measureQueueOverhead(
  ragworker: Contender,
  bare: Contender,
  db: pg.Pool,
  plan: QueueOverheadPlan,
  log: (message: string) => void = () => undefined,
): Promise<NoopSummary> {
  for (const contender of [ragworker, bare]) await noopRun(contender, db, 1000);
  const ragworkerRates: number[] = [];
  const bareRates: number[] = [];
  const ratios: number[] = [];
  for (let repetition = 0; repetition < plan.repetitions; repetition += 1) {
    const order = repetition % 2 === 0 ? [ragworker, bare] : [bare, ragworker];
    const rates = new Map<Contender, number>();
    for (const contender of order) {
      const { rate, cpuMsPerJob } = await noopRun(contender, db, plan.jobsPerRun);
      rates.set(contender, rate);
      log(`no-op ${contender.label}: ${rate.toFixed(0)} jobs/s, ${cpuMsPerJob.toFixed(3)} ms of CPU a job`);
    }
    const ragworkerRate = rates.get(ragworker) ?? Number.NaN;
    const bareRate = rates.get(bare) ?? Number.NaN;
    ragworkerRates.push(ragworkerRate);
    bareRates.push(bareRate);
    ratios.push(ragworkerRate / bareRate);
  }
  return {
    concurrency: bare.threads,
    jobsPerRun: plan.jobsPerRun,
    ragworkerJobsPerSecond: median(ragworkerRates),
    bareJobsPerSecond: median(bareRates),
    ratio: median(ratios),
  };
}
