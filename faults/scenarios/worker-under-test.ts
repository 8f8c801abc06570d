/** The real worker process as the scenarios run it, and what they read from its ops server. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseMetrics, total } from "../../test/support/metrics-samples.js";
import type { TestEnvironment } from "../../test/support/test-environment.js";
import {
  CLI_PATH,
  startWorkerProcess,
  waitUntilServing,
  type WorkerProcess,
} from "../../test/support/worker-process.js";

export const THREADS = 2;
const CRASH_INJECTOR = fileURLToPath(
  new URL("../../test/support/thread-crash-injector.mjs", import.meta.url),
);
const GC_ON_SIGNAL = fileURLToPath(new URL("../../test/support/gc-on-signal.mjs", import.meta.url));

/**
 * Production defaults except a 5 s job lock (and so a 5 s stalled check): BullMQ notices a dead
 * worker's jobs after one lock period, and 30 s per scenario would only make the suite slower.
 */
const SUITE_ENV = { WORKER_THREADS: String(THREADS), JOB_LOCK_MS: "5000", LOG_LEVEL: "info" };

export interface RunningWorker {
  readonly process: WorkerProcess;
  readonly port: number;
}

export async function startWorker(
  env: TestEnvironment,
  overrides: Record<string, string> = {},
  /** crashDir: load the thread-crash injector; gcOnSignal: SIGUSR2 collects the supervisor's garbage. */
  options: { crashDir?: string; gcOnSignal?: boolean } = {},
): Promise<RunningWorker> {
  const nodeArgs = [
    ...(options.crashDir ? ["--import", CRASH_INJECTOR] : []),
    ...(options.gcOnSignal ? ["--expose-gc", "--import", GC_ON_SIGNAL] : []),
  ];
  const crashEnv: Record<string, string> = options.crashDir ? { RAGWORKER_CRASH_DIR: options.crashDir } : {};
  const worker = startWorkerProcess(
    env.env({ ...SUITE_ENV, ...crashEnv, ...overrides }),
    ["start"],
    CLI_PATH,
    nodeArgs,
  );
  const logDir = process.env["FAULT_LOG_DIR"];
  if (logDir) {
    // Each worker's JSON log lines, for reading what happened after a scenario went wrong.
    const file = join(logDir, `${env.queueName}-${worker.child.pid ?? "x"}.jsonl`);
    worker.child.once("exit", () => {
      mkdirSync(logDir, { recursive: true });
      writeFileSync(file, worker.logs.map((line) => JSON.stringify(line)).join("\n") + "\n");
    });
  }
  const threads = Number(overrides["WORKER_THREADS"] ?? THREADS);
  return { process: worker, port: await waitUntilServing(worker, threads) };
}

export async function readyzStatus(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return response.status;
  } catch {
    return 0;
  }
}

/** The sum of a metric's samples (all label sets) from the live /metrics. */
export async function metricValue(port: number, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return total(parseMetrics(await response.text()), name);
}

/** Threads that logged "document READY" after `sinceLogIndex`: proof each one's pool works. */
export function threadsThatFinishedSince(worker: WorkerProcess, sinceLogIndex: number): Set<unknown> {
  return new Set(
    worker.logs
      .slice(sinceLogIndex)
      .filter((line) => line.message === "document READY")
      .map((line) => line["thread"]),
  );
}
