/**
 * 12. Redis Sentinel failover mid-load: the worker's REDIS_URL names a Sentinel set of its own
 * (Debian's redis-server and redis-sentinel: a primary, a replica, three sentinels; see
 * test/support/sentinel-set.ts); the primary is SIGKILLed once a quarter of the documents are
 * READY; the sentinels promote the replica and the worker follows it without a restart. Jobs the
 * old primary acknowledged but never replicated are what the reconciler re-enqueues. Recovery:
 * from the kill until a document still PENDING then is READY (the worker fetching from the new
 * primary).
 */
import {
  failoverOutcome,
  killPrimaryMidLoad,
  waitUntilSettled,
} from "../../test/support/sentinel-failover.js";
import { startSentinelSet } from "../../test/support/sentinel-set.js";
import { loadDocuments, tally } from "../fault-load.js";
import { createScenarioEnvironment, type Scenario } from "../scenario.js";
import { readyzStatus, startWorker } from "./worker-under-test.js";

/** The reconciler looks every second for documents PENDING 2 s without a job (ignored without it). */
const RECONCILE_ENV = { RECONCILE_INTERVAL_MS: "1000", RECONCILE_PENDING_AGE_MS: "2000" };

export const sentinelFailover: Scenario = {
  name: "12. Redis Sentinel failover mid-load",
  async run({ scale, log }) {
    const set = await startSentinelSet();
    try {
      const env = await createScenarioEnvironment("sentinel", { redisUrl: set.url });
      try {
        const documents = await loadDocuments(env, {
          count: Math.ceil(300 * scale),
          bytes: 20_000,
          seed: 12,
        });
        await set.waitForReplicaInSync();
        const { process: worker, port } = await startWorker(env, RECONCILE_ENV);
        const pid = worker.child.pid;
        const figures = await killPrimaryMidLoad(env, set, documents);
        log(
          `  primary :${figures.oldPrimaryPort} SIGKILLed with ${figures.readyAtKill} READY; ` +
            `sentinels promoted :${figures.newPrimaryPort} after ${(figures.failoverMs / 1000).toFixed(1)} s`,
        );
        // Every document READY, and jobs whose end the failover lost run again (finding their
        // document READY) until the queue is empty; a timeout fails the check, not the suite.
        const settled = await waitUntilSettled(env, documents, 300_000).then(
          () => true,
          () => false,
        );
        const outcome = await failoverOutcome(env, documents, [worker]);
        const checks = [
          {
            what: "the sentinels promoted the replica",
            ok: figures.newPrimaryPort !== figures.oldPrimaryPort,
          },
          { what: "every document READY, the queue empty", ok: settled },
          { what: "no document processed twice", ok: outcome.processedTwice.length === 0 },
          { what: "/readyz 200 on the new primary", ok: (await readyzStatus(port)) === 200 },
          {
            what: "supervisor kept running (same pid)",
            ok: worker.child.exitCode === null && worker.child.pid === pid,
          },
          { what: "the worker drains and exits 0", ok: (await worker.stop()) === 0 },
        ];
        return {
          name: this.name,
          tally: await tally(env, documents),
          recoverySeconds: figures.resumeMs / 1000,
          checks,
          notes: [
            `sentinels promoted the replica ${(figures.failoverMs / 1000).toFixed(1)} s after the kill`,
            `${outcome.lostJobs} jobs lost in the failover; ${outcome.reconciled} reconciler log lines`,
          ],
        };
      } finally {
        await env.close();
      }
    } finally {
      await set.stop();
    }
  },
};
