/**
 * 11. Three replicas, all running the reconciler, over one backlog of documents with no job, 50
 * a pass. One leads at a time (the advisory lock); the leader is stopped (SIGTERM) after its first
 * pass and another takes the lock over. No document gets two jobs, none is processed twice.
 * Recovery: from the leader's SIGTERM until another replica leads (at most one RECONCILE_INTERVAL_MS).
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import {
  eachExactlyOnce,
  FAULT_RECONCILE_ENV,
  readyLinesPerDocument,
  REENQUEUED,
} from "./reconcile-checks.js";
import { startWorker } from "./worker-under-test.js";

const LEADS = "reconciler: this replica leads";

export const threeReconcilers: Scenario = {
  name: "11. three replicas reconciling the same backlog",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("three-reconcilers");
    try {
      const documents = await loadDocuments(env, {
        count: Math.ceil(300 * scale),
        bytes: 20_000,
        seed: 11,
        enqueue: false,
      });
      const settings = { ...FAULT_RECONCILE_ENV, RECONCILE_BATCH_SIZE: "50" };
      const workers = await Promise.all([
        startWorker(env, settings),
        startWorker(env, settings),
        startWorker(env, settings),
      ]);
      const processes = workers.map((worker) => worker.process);
      const enqueuedBy = (index: number) =>
        processes[index]?.logs.filter((line) => line.message === REENQUEUED).length ?? 0;
      const first = await waitUntil(async () => processes.some((_, i) => enqueuedBy(i) > 0), 120_000);
      const leaderIndex = processes.findIndex((_, i) => enqueuedBy(i) > 0);
      const leader = processes[leaderIndex];
      if (!first || !leader) throw new Error("no replica led the reconciler within 120 s");
      // The reconciler is the first thing the drain releases: its lock is free at the SIGTERM,
      // while the leader's running jobs still finish.
      const stopped = performance.now();
      const others = processes.filter((process) => process !== leader);
      const [leaderExit, tookOver] = await Promise.all([
        leader.stop(),
        waitUntil(
          async () => others.some((process) => process.logs.some((line) => line.message === LEADS)),
          60_000,
        ).then((ok) => ({ ok, after: seconds(stopped) })),
      ]);
      const recoverySeconds = tookOver.after;
      await waitUntilAllFinal(env, documents, 300_000);
      const logs = processes.flatMap((process) => process.logs);
      const jobIds = logs.filter((line) => line.message === REENQUEUED).map((line) => String(line["job_id"]));
      const perDocument = readyLinesPerDocument(
        logs,
        documents.map((document) => document.documentId),
      );
      const leaders = processes.filter((process) =>
        process.logs.some((line) => line.message === LEADS),
      ).length;
      const enqueuedPerWorker = processes.map((_, i) => enqueuedBy(i));
      log(`  enqueued by each replica: ${enqueuedPerWorker.join(" / ")}`);
      const exits = await Promise.all(others.map((process) => process.stop()));
      const checks = [
        {
          what: "one job per document",
          ok: jobIds.length === documents.length && new Set(jobIds).size === documents.length,
        },
        { what: "each document processed once", ok: eachExactlyOnce(perDocument) },
        { what: "another replica took the lock over", ok: tookOver.ok },
        { what: "all three drain and exit 0", ok: leaderExit === 0 && exits.every((code) => code === 0) },
      ];
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds,
        checks,
        notes: [`enqueued by replica: ${enqueuedPerWorker.join(" / ")}; ${leaders} replicas led in turn`],
      };
    } finally {
      await env.close();
    }
  },
};
