/**
 * 8. Redis restarted without persistence mid-load: every queued job is gone (FLUSHALL, then a
 * restart). The documents stay PENDING in PostgreSQL; the reconciler finds them once they are
 * RECONCILE_PENDING_AGE_MS old and enqueues them again. Recovery: from the restart until every
 * document is READY.
 */
import {
  countReady,
  loadDocuments,
  tally,
  waitUntil,
  waitUntilAllFinal,
  waitUntilQuarterReady,
} from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import {
  eachExactlyOnce,
  FAULT_RECONCILE_ENV,
  readyLinesPerDocument,
  REENQUEUED,
} from "./reconcile-checks.js";
import { metricValue, startWorker } from "./worker-under-test.js";

export const redisLostData: Scenario = {
  name: "8. Redis restarted without persistence mid-load",
  async run({ services, scale, log }) {
    const env = await createScenarioEnvironment("redis-lost-data");
    try {
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: 20_000, seed: 8 });
      const { process: worker, port } = await startWorker(env, FAULT_RECONCILE_ENV);
      const pid = worker.child.pid;
      await waitUntilQuarterReady(env, documents);
      await services.restartRedisEmpty();
      const restarted = performance.now();
      const readyAtRestart = await countReady(env);
      // The producer's connection fails fast while Redis is away; wait until it answers again.
      await waitUntil(async () => (await env.producer.queue.count()) >= 0, 30_000);
      const survivingJobs = (
        await Promise.all(documents.map((document) => env.producer.queue.getJob(document.jobId)))
      ).filter((job) => job !== undefined).length;
      log(`  Redis restarted empty with ${readyAtRestart} of ${documents.length} documents READY`);
      await waitUntilAllFinal(env, documents, 300_000);
      const recoverySeconds = seconds(restarted);
      const reenqueued = worker.logs.filter((line) => line.message === REENQUEUED).length;
      const reconciledMetric = await metricValue(port, "rag_worker_reconciled_total");
      const perDocument = readyLinesPerDocument(
        worker.logs,
        documents.map((document) => document.documentId),
      );
      const checks = [
        { what: "the restart lost every queued job", ok: survivingJobs === 0 },
        { what: "the reconciler enqueued the lost documents again", ok: reenqueued > 0 },
        { what: "rag_worker_reconciled_total counts them", ok: reconciledMetric === reenqueued },
        { what: "each document processed once", ok: eachExactlyOnce(perDocument) },
        {
          what: "supervisor kept running (same pid)",
          ok: worker.child.exitCode === null && worker.child.pid === pid,
        },
        { what: "drains and exits 0", ok: (await worker.stop()) === 0 },
      ];
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds,
        checks,
        notes: [
          `${reenqueued} documents enqueued again by the reconciler (${readyAtRestart} were READY at the restart)`,
        ],
      };
    } finally {
      await env.close();
    }
  },
};
