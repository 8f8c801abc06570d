/**
 * 9. Documents inserted with no job at all (an API that crashed between its insert and its
 * enqueue), among others enqueued as usual, while a worker runs. The reconciler enqueues exactly
 * the ones without a job. Recovery: from their insert until the last of them is READY (about
 * RECONCILE_PENDING_AGE_MS plus one RECONCILE_INTERVAL_MS, behind the backlog).
 */
import { loadDocuments, tally, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import {
  eachExactlyOnce,
  FAULT_RECONCILE_ENV,
  readyLinesPerDocument,
  REENQUEUED,
} from "./reconcile-checks.js";
import { startWorker } from "./worker-under-test.js";

export const noJob: Scenario = {
  name: "9. documents inserted with no job",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("no-job");
    try {
      const { process: worker } = await startWorker(env, FAULT_RECONCILE_ENV);
      const queued = await loadDocuments(env, { count: Math.ceil(250 * scale), bytes: 20_000, seed: 9 });
      const inserted = performance.now();
      const orphans = await loadDocuments(env, {
        count: Math.ceil(50 * scale),
        bytes: 20_000,
        seed: 9_000,
        enqueue: false,
      });
      await waitUntilAllFinal(env, orphans, 300_000);
      const recoverySeconds = seconds(inserted);
      const documents = [...queued, ...orphans];
      await waitUntilAllFinal(env, documents, 300_000);
      const orphanIds = new Set(orphans.map((document) => document.documentId));
      const reenqueued = worker.logs.filter((line) => line.message === REENQUEUED);
      const perDocument = readyLinesPerDocument(
        worker.logs,
        documents.map((document) => document.documentId),
      );
      log(`  ${reenqueued.length} documents enqueued again by the reconciler`);
      const checks = [
        {
          what: "the reconciler enqueued exactly the documents without a job",
          ok:
            reenqueued.length === orphans.length &&
            reenqueued.every((line) => orphanIds.has(String(line["document_id"]))),
        },
        { what: "each document processed once", ok: eachExactlyOnce(perDocument) },
        { what: "drains and exits 0", ok: (await worker.stop()) === 0 },
      ];
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds,
        checks,
        notes: [`${orphans.length} of ${documents.length} documents had no job`],
      };
    } finally {
      await env.close();
    }
  },
};
