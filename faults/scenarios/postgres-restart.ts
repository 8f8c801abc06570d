/**
 * 5. PostgreSQL restarted mid-load (fast shutdown: every connection is cut): the failures are
 * transient and retried, nothing is lost, and every thread's pool reconnects. Recovery: from the
 * restart command until every thread has finished a document again.
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal, waitUntilQuarterReady } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import { metricValue, startWorker, THREADS, threadsThatFinishedSince } from "./worker-under-test.js";

export const postgresRestart: Scenario = {
  name: "5. PostgreSQL restarted mid-load",
  async run({ services, scale, log }) {
    const env = await createScenarioEnvironment("postgres-restart");
    try {
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: 20_000, seed: 5 });
      const { process: worker, port } = await startWorker(env);
      const pid = worker.child.pid;
      await waitUntilQuarterReady(env, documents);
      const beforeRestart = worker.logs.length;
      const started = performance.now();
      await services.restartPostgres();
      // Lines after the restart returned: the server is back, so these prove the pools reconnected.
      const logIndex = worker.logs.length;
      log("  PostgreSQL restarted");
      await waitUntil(async () => threadsThatFinishedSince(worker, logIndex).size >= THREADS, 120_000);
      const recoverySeconds = seconds(started);
      await waitUntilAllFinal(env, documents, 300_000);
      const retried = worker.logs
        .slice(beforeRestart)
        .filter((line) => line.message === "job attempt failed").length;
      const crashes = await metricValue(port, "rag_worker_thread_crashes_total");
      const checks = [
        { what: "no thread died (cut connections are ordinary query errors)", ok: crashes === 0 },
        {
          what: `all ${THREADS} threads finished documents after the restart`,
          ok: threadsThatFinishedSince(worker, logIndex).size >= THREADS,
        },
        {
          what: "supervisor kept running (same pid)",
          ok: worker.child.exitCode === null && worker.child.pid === pid,
        },
      ];
      await worker.stop();
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds,
        checks,
        notes: [`${retried} attempts failed on the restart and were retried`],
      };
    } finally {
      await env.close();
    }
  },
};
