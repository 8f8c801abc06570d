/**
 * Rows 13 to 16 share this: a dependency of the worker (storage, the embedding service,
 * PostgreSQL) goes away mid-load, for a minute or so, in one or more phases (503, then 429), and
 * comes back. 300 documents enqueued with 3 attempts, as rag-corp's API does, must all end READY
 * with no attempt spent on the outage: the worker hands the jobs back, opens the dependency's
 * circuit (one log line), shows it on /readyz and /metrics, probes, and resumes on its own.
 * Recovery: from the dependency being back until every document is READY (the notes also give the
 * time until the first document after it is READY).
 */
import type { Dependency } from "../../src/errors/dependency-unavailable-error.js";
import { scrapeMetric } from "../../test/support/metrics-samples.js";
import type { TestEnvironment } from "../../test/support/test-environment.js";
import {
  backLine,
  circuitOpenLines,
  circuitView,
  isOpen,
  type CircuitView,
} from "../../test/support/dependency-outage.js";
import {
  countReady,
  tally,
  waitUntil,
  waitUntilAllFinal,
  waitUntilQuarterReady,
  type LoadedDocument,
} from "../fault-load.js";
import { seconds, type ScenarioContext, type ScenarioResult } from "../scenario.js";
import type { RunningWorker } from "./worker-under-test.js";

/**
 * The scenario workers' probing: a first probe after 0.5 s, at most 5 s between two (production:
 * 1 s and 30 s), so the time to notice the recovery is seconds, not half a minute.
 */
export const OUTAGE_PROBE_ENV = { DEPENDENCY_PROBE_MIN_MS: "500", DEPENDENCY_PROBE_MAX_MS: "5000" } as const;

/** rag-corp's API enqueues each document with three attempts. */
export const API_ATTEMPTS = 3;

export interface OutagePhase {
  /** For the log: "S3 stopped", "503". */
  readonly what: string;
  /** At full scale; `--quick` shortens it to a fifth. */
  readonly ms: number;
  enter(): Promise<void> | void;
}

export interface DependencyOutage {
  readonly dependency: Dependency;
  /** The dependency refuses the worker's credentials (401/403): the worker must say that. */
  readonly credentialsRejected: boolean;
  readonly phases: readonly OutagePhase[];
  /** Gives the dependency back; resolves once it answers. */
  end(): Promise<void> | void;
}

interface Sample extends CircuitView {
  readonly at: number;
}

async function sample(port: number, dependency: Dependency): Promise<Sample> {
  const at = performance.now();
  return { at, ...(await circuitView(port, dependency)) };
}

/** Attempts the jobs spent beyond their successful run: the sum of attemptsMade - 1 (want 0). */
export async function attemptsSpent(
  env: TestEnvironment,
  documents: readonly LoadedDocument[],
): Promise<{ spent: number; most: number; completed: number }> {
  const jobs = await Promise.all(documents.map((document) => env.producer.queue.getJob(document.jobId)));
  const states = await Promise.all(
    documents.map((document) => env.producer.queue.getJobState(document.jobId)),
  );
  return {
    spent: jobs.reduce((sum, job) => sum + Math.max(0, (job?.attemptsMade ?? 0) - 1), 0),
    most: Math.max(0, ...jobs.map((job) => job?.attemptsMade ?? 0)),
    completed: states.filter((state) => state === "completed").length,
  };
}

export interface OutageRun {
  readonly context: Pick<ScenarioContext, "scale" | "log">;
  /** The row's name. */
  readonly name: string;
  readonly env: TestEnvironment;
  readonly documents: readonly LoadedDocument[];
  /** Started on `env` with the documents enqueued. */
  readonly worker: RunningWorker;
  readonly outage: DependencyOutage;
}

/**
 * Runs one outage on a loaded, running worker: waits until a quarter is READY, goes through the
 * phases (sampling /readyz and /metrics every half second), ends the outage, and measures and
 * checks the recovery. Stops the worker before returning.
 */
export async function runDependencyOutage(run: OutageRun): Promise<ScenarioResult> {
  try {
    return await measureOutage(run);
  } finally {
    await run.worker.process.stop();
  }
}

async function measureOutage({
  context: { scale, log },
  name,
  env,
  documents,
  worker: { process: worker, port },
  outage,
}: OutageRun): Promise<ScenarioResult> {
  const { dependency } = outage;
  const pid = worker.child.pid;
  await waitUntilQuarterReady(env, documents);
  const logIndex = worker.logs.length;
  const began = performance.now();
  const samples: Sample[] = [];
  for (const phase of outage.phases) {
    await phase.enter();
    const phaseMs = Math.round(phase.ms * Math.min(1, scale));
    log(`  ${phase.what} for ${phaseMs / 1000} s`);
    const phaseEnd = performance.now() + phaseMs;
    while (performance.now() < phaseEnd) {
      samples.push(await sample(port, dependency));
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(500, Math.max(0, phaseEnd - performance.now()))),
      );
    }
  }
  const last = await sample(port, dependency);
  await outage.end();
  const backAt = performance.now();
  const outageSeconds = (backAt - began) / 1000;
  log(`  ${dependency} back after ${outageSeconds.toFixed(1)} s`);

  // PostgreSQL answers again once `end` returns: the count is read after the outage, never during.
  let readyAtBack = 0;
  await waitUntil(async () => {
    readyAtBack = await countReady(env);
    return true;
  }, 30_000);
  // With every document READY already, the outage met no work (a check below fails): no wait.
  await waitUntil(
    async () => readyAtBack === documents.length || (await countReady(env)) > readyAtBack,
    300_000,
  );
  const firstReadySeconds = seconds(backAt);
  const allFinal = await waitUntilAllFinal(env, documents, 300_000);
  const recoverySeconds = seconds(backAt);
  await waitUntil(async () => (await attemptsSpent(env, documents)).completed === documents.length, 60_000);
  const { spent, most, completed } = await attemptsSpent(env, documents);
  let after = await sample(port, dependency);
  await waitUntil(async () => {
    after = await sample(port, dependency);
    return after.status === 200 && after.gauge === 1;
  }, 30_000);

  const logs = worker.logs.slice(logIndex);
  const opened = circuitOpenLines(logs, dependency);
  const others = (["storage", "embedding", "database"] as const)
    .filter((other) => other !== dependency)
    .flatMap((other) => circuitOpenLines(logs, other).map(() => other));
  const back = logs.find((line) => line.message === backLine(dependency));
  const firstDown = samples.find(isOpen);
  const credentialsShown = samples.some((s) => s.circuit?.credentials_rejected === true);
  const handedBack = await scrapeMetric(port, "rag_worker_handed_back_total", { reason: dependency }).catch(
    () => NaN,
  );
  const openLine = outage.credentialsRejected
    ? `dependency ${dependency} refuses the worker's credentials`
    : `dependency ${dependency} is down`;
  const checks = [
    {
      what: `the outage met work: ${documents.length - readyAtBack} documents not READY when it ended`,
      ok: readyAtBack < documents.length,
    },
    {
      what: `one "${openLine}" log line for the outage (${opened.length})`,
      ok: opened.length === 1 && String(opened[0]?.message).startsWith(openLine),
    },
    { what: "no other dependency's circuit opened", ok: others.length === 0 },
    {
      what: `/readyz 503 naming ${dependency} and rag_worker_dependency_up{dependency="${dependency}"} 0 at the end of the outage`,
      ok: isOpen(last),
    },
    {
      what: `/readyz credentials_rejected ${outage.credentialsRejected} during the outage`,
      ok: credentialsShown === outage.credentialsRejected,
    },
    { what: "/readyz 200 and the gauge 1 after the recovery", ok: after.status === 200 && after.gauge === 1 },
    { what: "every document READY", ok: allFinal },
    { what: `every job completed (${completed} of ${documents.length})`, ok: completed === documents.length },
    { what: `attempts spent on the outage: ${spent} (sum of attemptsMade - 1)`, ok: spent === 0 },
    {
      what: "supervisor kept running (same pid)",
      ok: worker.child.exitCode === null && worker.child.pid === pid,
    },
  ];
  await worker.stop();
  return {
    name,
    tally: await tally(env, documents),
    recoverySeconds,
    checks,
    notes: [
      `outage ${outageSeconds.toFixed(1)} s; circuit open on /readyz ${firstDown ? ((firstDown.at - began) / 1000).toFixed(1) : "—"} s after it began; ${readyAtBack} documents READY when it ended`,
      `first document READY ${firstReadySeconds} s after the dependency was back, all ${recoverySeconds} s after`,
      `the worker logged "back" after ${String(back?.["down_seconds"] ?? "—")} s down and ${String(back?.["probes"] ?? "—")} probes; ${handedBack} jobs handed back (rag_worker_handed_back_total{reason="${dependency}"})`,
      `attempts spent per document on the outage: ${spent / documents.length} (attemptsMade at most ${most})`,
      `DEPENDENCY_PROBE_MIN_MS=${OUTAGE_PROBE_ENV.DEPENDENCY_PROBE_MIN_MS}, DEPENDENCY_PROBE_MAX_MS=${OUTAGE_PROBE_ENV.DEPENDENCY_PROBE_MAX_MS}`,
    ],
  };
}
