/**
 * What the outage tests and fault rows 13 to 16 read from a worker whose dependency (storage, the
 * embedding service, PostgreSQL) went away: its circuit on /readyz and /metrics, the lines it
 * logged, and, once the dependency is back, that every job completed READY on its first attempt.
 */
import assert from "node:assert/strict";
import type { Job } from "bullmq";
import type { Dependency } from "../../src/errors/dependency-unavailable-error.js";
import { scrapeMetric } from "./metrics-samples.js";
import type { TestEnvironment } from "./test-environment.js";
import type { LogLine, WorkerProcess } from "./worker-process.js";

/** Probing in the short tests: a first probe after 0.2 s, at most 1 s between two. */
export const FAST_PROBES = { DEPENDENCY_PROBE_MIN_MS: "200", DEPENDENCY_PROBE_MAX_MS: "1000" } as const;

export interface CircuitView {
  /** /readyz's status; 0 when it did not answer. */
  readonly status: number;
  /** /readyz's `reason` ("storage down since …"). */
  readonly reason: string;
  /** /readyz's `dependencies[dependency]`. */
  readonly circuit:
    { up: boolean; down_since?: string; reason?: string; credentials_rejected?: boolean } | undefined;
  /** rag_worker_dependency_up{dependency}; NaN when /metrics did not answer. */
  readonly gauge: number;
}

/** The dependency's circuit as an operator sees it; never throws (a fault row samples it blind). */
export async function circuitView(port: number, dependency: Dependency): Promise<CircuitView> {
  let status = 0;
  let body: { reason?: string; dependencies?: Record<string, CircuitView["circuit"]> } = {};
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3_000) });
    status = response.status;
    body = (await response.json()) as typeof body;
  } catch {
    // No answer: status 0.
  }
  const gauge = await scrapeMetric(port, "rag_worker_dependency_up", { dependency }).catch(() => NaN);
  return { status, reason: body.reason ?? "", circuit: body.dependencies?.[dependency], gauge };
}

/** Open: /readyz 503 with the dependency down, and its gauge 0. */
export const isOpen = (view: CircuitView): boolean =>
  view.status === 503 && view.circuit?.up === false && view.gauge === 0;

/** The lines a circuit writes when it opens (down, or credentials refused): one per outage. */
export function circuitOpenLines(logs: readonly LogLine[], dependency: Dependency): LogLine[] {
  return logs.filter((line) => {
    const message = String(line.message);
    return (
      message.startsWith(`dependency ${dependency} is down;`) ||
      message.startsWith(`dependency ${dependency} refuses the worker's credentials:`)
    );
  });
}

export const backLine = (dependency: Dependency): string =>
  `dependency ${dependency} is back; fetching jobs again`;

/** How many open and back lines the worker logged so far, for `assertRecovered` to count from. */
export function circuitLines(
  worker: WorkerProcess,
  dependency: Dependency,
): { opens: number; backs: number } {
  return {
    opens: circuitOpenLines(worker.logs, dependency).length,
    backs: worker.logs.filter((line) => line.message === backLine(dependency)).length,
  };
}

/**
 * Once the dependency is back: every job completed READY with attemptsMade 1 (BullMQ counts only
 * the successful run: the hand-backs spent nothing), one open line since `before`, the back line,
 * the gauge 1 and /readyz 200.
 */
export async function assertRecovered(
  env: TestEnvironment,
  worker: WorkerProcess,
  port: number,
  jobs: readonly Job[],
  dependency: Dependency,
  before: { opens: number; backs: number },
): Promise<void> {
  const outcomes = await Promise.all(jobs.map((job) => env.finished(job, 60_000)));
  for (const outcome of outcomes) {
    const value = outcome.state === "completed" ? (outcome.value as { status?: string }) : undefined;
    assert.equal(value?.status, "READY", JSON.stringify(outcome));
  }
  for (const job of jobs) {
    const finished = await env.producer.queue.getJob(job.id ?? "");
    assert.equal(finished?.attemptsMade, 1, "the outage spent no attempt: only the successful run counts");
  }
  assert.equal(
    circuitOpenLines(worker.logs, dependency).length - before.opens,
    1,
    "one log line for the outage, not one per job",
  );
  await worker.waitForLog(() => circuitLines(worker, dependency).backs > before.backs, 30_000);
  const view = await circuitView(port, dependency);
  assert.equal(view.gauge, 1);
  assert.equal(view.status, 200);
}
