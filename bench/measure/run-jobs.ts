/**
 * Enqueues a batch of jobs on a contender's queue at once and times it until BullMQ reports every
 * one completed or failed, counting the stalls BullMQ reports for them on the way.
 */
import { randomUUID } from "node:crypto";
import type { Contender } from "../contenders/contender-process.js";
import type { ProbeReading } from "../probe/probe-reading.js";
import { sampleOpsLatency, type OpsLatencies } from "./ops-latency-sampler.js";

export interface JobsRun {
  readonly seconds: number;
  readonly completed: number;
  readonly chunks: number;
  readonly failures: readonly string[];
  readonly stalled: number;
  readonly probe: ProbeReading;
  readonly ops: OpsLatencies | undefined;
}

export interface JobData {
  readonly documentId: string;
  readonly workspaceId: string;
}

function chunksOf(returnvalue: unknown): number {
  const value: unknown = typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue;
  const chunks = (value as { chunksCreated?: unknown } | null)?.chunksCreated;
  return typeof chunks === "number" ? chunks : 0;
}

export async function runJobs(
  contender: Contender,
  jobs: readonly JobData[],
  options: { sampleOps?: boolean; timeoutMs?: number } = {},
): Promise<JobsRun> {
  await contender.probe.reset();
  const pending = new Set<string>();
  let completed = 0;
  let chunks = 0;
  let stalled = 0;
  const failures: string[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const settle = (jobId: string) => {
    pending.delete(jobId);
    if (pending.size === 0) finish();
  };
  const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
    if (!pending.has(jobId)) return;
    completed += 1;
    chunks += chunksOf(returnvalue);
    settle(jobId);
  };
  const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
    if (!pending.has(jobId)) return;
    failures.push(failedReason);
    settle(jobId);
  };
  const onStalled = ({ jobId }: { jobId: string }) => {
    if (pending.has(jobId)) stalled += 1;
  };
  contender.events.on("completed", onCompleted);
  contender.events.on("failed", onFailed);
  contender.events.on("stalled", onStalled);
  const sampler = options.sampleOps && contender.opsUrl ? sampleOpsLatency(contender.opsUrl) : undefined;
  const timeoutMs = options.timeoutMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Ids chosen here, so an event arriving before addBulk returns is not missed.
    const bulk = jobs.map((data) => {
      const jobId = randomUUID();
      pending.add(jobId);
      // One attempt: a failure is a benchmark error to report, not something to retry quietly.
      return {
        name: "process-document",
        data,
        opts: { jobId, attempts: 1, removeOnComplete: true, removeOnFail: true },
      };
    });
    const started = process.hrtime.bigint();
    await contender.queue.addBulk(bulk);
    if (pending.size > 0) {
      await Promise.race([
        done,
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`${contender.label}: ${pending.size} jobs unfinished after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const ops = await sampler?.stop();
    const probe = await contender.probe.read();
    return { seconds, completed, chunks, failures, stalled, probe, ops };
  } finally {
    clearTimeout(timer);
    await sampler?.stop();
    contender.events.off("completed", onCompleted);
    contender.events.off("failed", onFailed);
    contender.events.off("stalled", onStalled);
  }
}
